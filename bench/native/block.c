/*
 * The engine's register block in C, for the `block` bench: the loop VectorMath runs (6 keys by a
 * panel of 4 vectors of 16 floats on AVX-512, 2 of 8 on AVX2), compiled by a C compiler, and the same
 * 12-chain FMA peak the Java bench measures. Inputs are broadcast from 6 strided rows and weights
 * stream from a panel laid out as VectorMath.panels lays it, so the two differ only in the code the
 * compilers emit. Built by bench/run-benchmarks.sh: cc -O3 -march=native.
 *
 * Prints "block GFLOPS", "tile GFLOPS" (the product of one 24-key tile of the reference model's
 * second LSTM layer, walked as VectorMath walks it), "tile-java GFLOPS" (the same with the weights
 * where a Java array would put them) and "peak GFLOPS", each the best of short windows, as the Java
 * side measures them.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROWS 6
#define K 128
/* The tile: the reference model's second LSTM layer, 24 keys by [h1 | h2] (192) by 4 x 96 gates. */
#define TILE_ROWS 24
#define TILE_K 192
#define TILE_N 384
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
/* VectorMath.DEPTH for 4-vector panels; 2-vector panels take the whole depth. Divides TILE_K. */
#define DEPTH (PANEL == 4 ? 64 : TILE_K)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* out[r][0..WIDTH) (+)= x[r]·w over k inputs, one chain of FMAs per output in input order. */
__attribute__((noipa)) static void block(const float *x, int xs, const float *w, int k, float *out, int os, int acc) {
    vec a[ROWS][PANEL];
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < PANEL; c++) a[r][c] = acc ? LOAD(out + r * os + c * LANES) : ZERO();
    for (int i = 0; i < k; i++) {
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

/* The tile's product as VectorMath walks it: panel by panel, 4-vector panels in passes of DEPTH
   inputs that continue the stored sums, 6 keys at a time. */
static void tile(const float *x, const float *panels, float *out) {
    for (int j = 0; j < TILE_N; j += WIDTH)
        for (int from = 0; from < TILE_K; from += DEPTH)
            for (int r = 0; r < TILE_ROWS; r += ROWS)
                block(x + r * TILE_K + from, TILE_K, panels + j * TILE_K + from * WIDTH, DEPTH,
                      out + r * TILE_N + j, TILE_N, from > 0);
}

/* GFLOP/s of the least disturbed of many short windows of calls, 1e9 FLOPs each as on the Java side. */
#define BEST(call, flops)                                          \
    ({                                                             \
        int calls_ = (int) (1e9 / (flops)) + 1;                    \
        double best_ = 0, end_ = now() + 2.0;                      \
        while (now() < end_) {                                     \
            double t0_ = now();                                    \
            for (int q = 0; q < calls_; q++) call;                 \
            double g_ = (flops) * calls_ / (now() - t0_) / 1e9;    \
            if (g_ > best_) best_ = g_;                            \
        }                                                          \
        best_;                                                     \
    })

/* 12 independent chains, as the Java bench's Peak. */
__attribute__((noipa)) static float chains(long iterations) {
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
    /* 64-byte aligned, and 16 floats over: "tile-java" reads the weights from 16 bytes past a cache
       line, where a Java float[]'s data starts when the array object itself is line-aligned (its
       header is 16 bytes), so that every 64-byte vector load spans two lines. */
    static float w[K * WIDTH] __attribute__((aligned(64)));
    static float x[ROWS * K] __attribute__((aligned(64)));
    static float out[ROWS * WIDTH] __attribute__((aligned(64)));
    static float tw[TILE_K * TILE_N + 16] __attribute__((aligned(64)));
    static float tx[TILE_ROWS * TILE_K] __attribute__((aligned(64)));
    static float tout[TILE_ROWS * TILE_N] __attribute__((aligned(64)));
    srand(1);
    for (int i = 0; i < K * WIDTH; i++) w[i] = rand() / (float) RAND_MAX - 0.5f;
    for (int i = 0; i < ROWS * K; i++) x[i] = rand() / (float) RAND_MAX - 0.5f;
    for (int i = 0; i < TILE_K * TILE_N + 16; i++) tw[i] = rand() / (float) RAND_MAX - 0.5f;
    for (int i = 0; i < TILE_ROWS * TILE_K; i++) tx[i] = rand() / (float) RAND_MAX - 0.5f;
    printf("block %.1f\n", BEST(block(x, K, w, K, out, WIDTH, 0), 2.0 * ROWS * WIDTH * K));
    printf("tile %.1f\n", BEST(tile(tx, tw, tout), 2.0 * TILE_ROWS * TILE_N * TILE_K));
    printf("tile-java %.1f\n", BEST(tile(tx, tw + 4, tout), 2.0 * TILE_ROWS * TILE_N * TILE_K));
    double sink = 0;
    printf("peak %.1f\n", BEST(sink += chains(2000000), 2.0 * 12 * LANES * 2000000));
    return sink == 42.4242 + out[0] + tout[0] ? 1 : 0;
}
