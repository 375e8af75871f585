/*
 * simd.h — the one SIMD dialect of the engine: the WASM SIMD128 intrinsics,
 * native under Emscripten and through SIMDe elsewhere (SSE/AVX). Kernels
 * include this; S2S_NO_SIMD builds (the scalar WASM module) include nothing.
 */
#ifndef S2S_SIMD_H
#define S2S_SIMD_H

#if !defined(S2S_NO_SIMD)
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#if defined(__SSE4_1__)
/* SIMDe widens the 8 loaded bytes through a generic vector conversion that
 * gcc 12 turns into five instructions (load, shift, two sign-extends,
 * unpack); SSE4.1 does it in one, and the int8 GEMM does it for every
 * weight. Same result, so the tests against _ref still hold. */
#include <smmintrin.h>
static inline v128_t s2s_i16x8_load8x8(const void *p) {
    return simde_v128_from_m128i(_mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)p)));
}
#undef wasm_i16x8_load8x8
#define wasm_i16x8_load8x8(p) s2s_i16x8_load8x8(p)
#endif
#endif
#endif

/* Hot kernels stay separate functions: V8 swaps in optimised code for a
 * WASM function on a later entry, never in the middle of one long call
 * (docs/performance.md, "Engine notes"). */
#define S2S_NOINLINE __attribute__((noinline))

#endif /* S2S_SIMD_H */
