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
#endif
#endif

/* Hot kernels stay separate functions: V8 tiers up WASM functions that are
 * called many times, never one long call (TOOLCHAIN.md). */
#define S2S_NOINLINE __attribute__((noinline))

#endif /* S2S_SIMD_H */
