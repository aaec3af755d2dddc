from sentimon.cli import main

main()
