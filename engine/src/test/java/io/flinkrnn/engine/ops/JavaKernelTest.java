package io.flinkrnn.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class JavaKernelTest {

    @Test
    void blockedRowsEqualRowByRowAndStridesAddressRows() {
        Random random = new Random(3);
        int k = 7;
        int n = 11;
        float[] w = new float[k * 13];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextFloat() - 0.5f;
        }
        Matrix m = JavaKernel.INSTANCE.pack(w, k, 13, 2, 13);
        int rows = 9;
        int xStride = 10;
        float[] x = new float[rows * xStride];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() - 0.5f;
        }
        int outStride = 15;
        float[] batched = new float[rows * outStride];
        JavaKernel.INSTANCE.multiply(rows, x, 1, xStride, m, batched, 2, outStride, false);
        for (int r = 0; r < rows; r++) {
            float[] one = new float[n];
            JavaKernel.INSTANCE.multiply(1, x, 1 + r * xStride, 0, m, one, 0, 0, false);
            for (int j = 0; j < n; j++) {
                float sum = 0;
                for (int i = 0; i < k; i++) {
                    sum = Math.fma(x[1 + r * xStride + i], w[i * 13 + 2 + j], sum);
                }
                assertThat(batched[2 + r * outStride + j]).isEqualTo(one[j]).isEqualTo(sum);
            }
        }
    }
}
