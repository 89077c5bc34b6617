from kundenkompass.cli import main

main()
