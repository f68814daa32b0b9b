// OpenBLAS's CBLAS interface plus its threading/introspection extras.
#include <cblas-openblas.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

// What this CPU (and the OS's saved register state) can run: 2 = AVX-512 (F, DQ, BW, VL),
// 1 = AVX2 with FMA, 0 = neither or not x86. Used to spot OpenBLAS falling back to its generic
// kernels on a CPU it does not recognise (see BLASKernelChoice.swift).
static inline int ranet_cpu_simd_level(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return 0;
    unsigned int xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1;
    int avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);
    if (avx512 && (xcr0_lo & 0xE6) == 0xE6) return 2;
    return (avx2 && fma) ? 1 : 0;
#else
    return 0;
#endif
}
