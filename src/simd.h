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

/* S2S_RELAXED_SIMD: kernel_gemm_q8 uses 7-bit activations and the relaxed
 * int8 dot product (kernels.h, kernel_gemm_q8a7). On by itself in the
 * relaxed WebAssembly flavour (clang -mrelaxed-simd); a native build may set
 * it to reproduce that flavour's results. */
#if defined(__wasm_relaxed_simd__) && !defined(S2S_RELAXED_SIMD)
#define S2S_RELAXED_SIMD 1
#endif
#if defined(S2S_RELAXED_SIMD) && defined(S2S_NO_SIMD)
#error "S2S_RELAXED_SIMD needs the SIMD kernels (not S2S_NO_SIMD)"
#endif

#if !defined(S2S_NO_SIMD)
/* i32x4.relaxed_dot_i8x16_i7x16_add_s where b's lanes are in 0..127 (the
 * only range with one meaning everywhere): lane i = c[i] + the sum over
 * j < 4 of a[4i+j] * b[4i+j], exact. Elsewhere the same value is built from
 * SIMD128 (SSSE3's pmaddubsw natively: b as unsigned, which is b itself in
 * that range, and no pair sum reaches the int16 saturation: 2 * 128 * 127). */
#if defined(__wasm_relaxed_simd__)
typedef signed char s2s_i8x16 __attribute__((__vector_size__(16)));
typedef int s2s_i32x4 __attribute__((__vector_size__(16)));
static inline v128_t s2s_i32x4_dot_i8x16_i7x16_add(v128_t a, v128_t b, v128_t c) {
    return (v128_t)__builtin_wasm_relaxed_dot_i8x16_i7x16_add_s_i32x4((s2s_i8x16)a, (s2s_i8x16)b, (s2s_i32x4)c);
}
#elif !defined(__wasm_simd128__) && defined(__SSSE3__)
#include <tmmintrin.h>
static inline v128_t s2s_i32x4_dot_i8x16_i7x16_add(v128_t a, v128_t b, v128_t c) {
    __m128i p = _mm_maddubs_epi16(simde_v128_to_m128i(b), simde_v128_to_m128i(a));
    return wasm_i32x4_add(c, simde_v128_from_m128i(_mm_madd_epi16(p, _mm_set1_epi16(1))));
}
#else
static inline v128_t s2s_i32x4_dot_i8x16_i7x16_add(v128_t a, v128_t b, v128_t c) {
    v128_t lo = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(a), wasm_i16x8_extend_low_i8x16(b));
    v128_t hi = wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(a), wasm_i16x8_extend_high_i8x16(b));
    return wasm_i32x4_add(c, wasm_i32x4_add(wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6), wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7)));
}
#endif
#endif

/* Hot kernels stay separate functions: V8 swaps in optimised code for a
 * WASM function on a later entry, never in the middle of one long call
 * (docs/performance.md, "Engine notes"). */
#define S2S_NOINLINE __attribute__((noinline))

#endif /* S2S_SIMD_H */
