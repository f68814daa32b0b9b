import CBLAS

#if canImport(Glibc)
    import Glibc
#endif

/// OpenBLAS picks its kernels once, when the library loads, from the CPU model it recognises. On a CPU newer than
/// the installed OpenBLAS (Debian 12's 0.3.21 on recent Xeons, for instance) it falls back to its generic SSE3
/// "Prescott" kernels, which run a training step far slower than the AVX-512 kernels the same CPU can run. The
/// only way to choose again is the environment variable
/// OPENBLAS_CORETYPE before the library loads, so the executables restart themselves once with it set.
public enum BLASKernelChoice {
    /// OpenBLAS kernels that already use AVX2 with FMA (or better): never second-guessed.
    static let vectorCores: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids", "excavator"]

    /// The OPENBLAS_CORETYPE to ask for, or nil to keep OpenBLAS's choice. A user's own OPENBLAS_CORETYPE always
    /// wins (that is also how to opt out: set it to the kernel you want, even "Prescott").
    /// `simdLevel`: 2 = AVX-512 (F, DQ, BW, VL), 1 = AVX2 + FMA, 0 = neither.
    public static func coreTypeToRequest(currentCore: String, simdLevel: Int, userCoreType: String?) -> String? {
        if let userCoreType, !userCoreType.isEmpty { return nil }
        if vectorCores.contains(currentCore.lowercased()) { return nil }
        switch simdLevel {
        case 2...: return "SkylakeX"
        case 1: return "Haswell"
        default: return nil
        }
    }

    /// This CPU's level for `coreTypeToRequest` (0 when not x86 or the OS does not save the wider registers).
    public static var cpuSIMDLevel: Int { Int(ranet_cpu_simd_level()) }

    /// Call first thing in an executable's main: if OpenBLAS fell back to generic kernels on a CPU that can run
    /// vector ones, re-executes this program with OPENBLAS_CORETYPE set (argv unchanged). Returns when there is
    /// nothing to change or the restart is impossible (then the program simply runs with OpenBLAS's choice).
    public static func restartWithVectorKernelsIfNeeded() {
        #if os(Linux)
            let current = EngineThreads.blasCoreName
            let user = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
            guard let core = coreTypeToRequest(currentCore: current, simdLevel: cpuSIMDLevel, userCoreType: user) else {
                return
            }
            setenv("OPENBLAS_CORETYPE", core, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // execv returned: it failed. Carry on with the kernels already loaded rather than fail the user's command.
            unsetenv("OPENBLAS_CORETYPE")
        #endif
    }
}
