from pithtex.cli import console

console()
