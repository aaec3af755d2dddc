"""sentimon: streaming sentiment monitoring with a distilled student and an LLM teacher."""

__version__ = "0.1.0"
