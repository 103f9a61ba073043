from vifspec.cli import main

main()
