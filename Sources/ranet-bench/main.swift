print("ranet-bench")
