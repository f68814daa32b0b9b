import NeuralEngine

// Entry point: restart once with OpenBLAS's vector kernels if it fell back to generic ones, parse the command
// line, then run the dashboard loop.
BLASKernelChoice.restartWithVectorKernelsIfNeeded()
RanetTUI.main()
