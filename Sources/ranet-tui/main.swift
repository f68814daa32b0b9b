print("ranet-tui: the dashboard is being built; see README.md")
