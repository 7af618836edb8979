/*
 * The engine's register block in C, for the `block` bench: the loop VectorMath runs (6 keys by a
 * panel of 4 vectors of 16 floats on AVX-512, 2 of 8 on AVX2), compiled by a C compiler, and the same
 * 12-chain FMA peak the Java bench measures. Inputs are broadcast from 6 strided rows and weights
 * stream from a panel laid out as VectorMath.panels lays it, so the two differ only in the code the
 * compilers emit. Built by bench/run-benchmarks.sh: cc -O3 -march=native.
 *
 * Prints two lines, "block GFLOPS" and "peak GFLOPS", each the best of short windows (the Java side
 * measures both the same way).
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROWS 6
#define K 128
#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define PANEL 4
#define LOAD _mm512_loadu_ps
#define STORE _mm512_storeu_ps
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ZERO _mm512_setzero_ps
#else
typedef __m256 vec;
#define LANES 8
#define PANEL 2
#define LOAD _mm256_loadu_ps
#define STORE _mm256_storeu_ps
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ZERO _mm256_setzero_ps
#endif
#define WIDTH (PANEL * LANES)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* out[r][0..WIDTH) = x[r]·w over K inputs, one chain of FMAs per output in input order. */
__attribute__((noinline)) static void block(const float *x, int xs, const float *w, float *out, int os) {
    vec a[ROWS][PANEL];
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < PANEL; c++) a[r][c] = ZERO();
    for (int i = 0; i < K; i++) {
        vec wv[PANEL];
        for (int c = 0; c < PANEL; c++) wv[c] = LOAD(w + i * WIDTH + c * LANES);
        for (int r = 0; r < ROWS; r++) {
            vec b = SET1(x[r * xs + i]);
            for (int c = 0; c < PANEL; c++) a[r][c] = FMA(wv[c], b, a[r][c]);
        }
    }
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < PANEL; c++) STORE(out + r * os + c * LANES, a[r][c]);
}

/* 12 independent chains, as the Java bench's Peak. */
__attribute__((noinline)) static float chains(long iterations) {
    vec m = SET1(0.999999f), b = SET1(1e-7f), a[12];
    for (int i = 0; i < 12; i++) a[i] = SET1((float) i);
    for (long j = 0; j < iterations; j++)
        for (int i = 0; i < 12; i++) a[i] = FMA(a[i], m, b);
    float s[LANES], sum = 0;
    for (int i = 0; i < 12; i++) {
        STORE(s, a[i]);
        sum += s[0];
    }
    return sum;
}

int main(void) {
    static float w[K * WIDTH], x[ROWS * K], out[ROWS * WIDTH];
    srand(1);
    for (int i = 0; i < K * WIDTH; i++) w[i] = rand() / (float) RAND_MAX - 0.5f;
    for (int i = 0; i < ROWS * K; i++) x[i] = rand() / (float) RAND_MAX - 0.5f;
    double best = 0, sink = 0;
    double end = now() + 2.0;
    while (now() < end) {
        double t0 = now();
        for (int q = 0; q < 20000; q++) {
            block(x, K, w, out, WIDTH);
            x[q % (ROWS * K)] += out[q % (ROWS * WIDTH)] * 1e-30f; /* keeps each call live */
        }
        double g = 2.0 * ROWS * WIDTH * K * 20000 / (now() - t0) / 1e9;
        if (g > best) best = g;
    }
    printf("block %.1f\n", best);
    best = 0;
    end = now() + 2.0;
    while (now() < end) {
        double t0 = now();
        sink += chains(2000000);
        double g = 2.0 * 12 * LANES * 2000000 / (now() - t0) / 1e9;
        if (g > best) best = g;
    }
    printf("peak %.1f\n", best);
    return sink == 42.4242 ? 1 : 0;
}
