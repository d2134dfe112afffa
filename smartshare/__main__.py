from smartshare.cli import main

main()
