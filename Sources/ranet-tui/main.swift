// Entry point: parse the command line, then run the dashboard loop.
RanetTUI.main()
