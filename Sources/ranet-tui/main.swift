// Entry point: parse the command line, then run the dashboard loop. (The dashboard does no arithmetic, so it links
// neither the engine nor OpenBLAS; the `ranet train` children it starts pick their BLAS kernels themselves.)
RanetTUI.main()
