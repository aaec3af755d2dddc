"""Teachers: the labellers that settle posts the student is unsure of.

Interfaces live in :mod:`models.teacher.types`; each backend is a driver module
(``openai_compat``, ``llamacpp``, ``encoder``, ``oracle``), wrapped by
``resilience`` and optionally combined by ``ensemble``. Drivers are not
imported here, so that importing the interfaces never pulls in httpx,
llama.cpp or ONNX Runtime.
"""

from models.teacher.types import (
    CallRecord,
    Teacher,
    TeacherAnswer,
    TeacherConfigError,
    TeacherError,
    TeacherFailed,
    TeacherQuery,
)

__all__ = [
    "CallRecord",
    "Teacher",
    "TeacherAnswer",
    "TeacherConfigError",
    "TeacherError",
    "TeacherFailed",
    "TeacherQuery",
]
