/* loss.c — log-softmax cross-entropy with label smoothing and its gradient. */
#include <math.h>

#include "nn.h"

double loss_forward_backward(float *dlogits, float *logits, const int32_t *targets, int N, int V,
                             float eps, float scale, int *count) {
    double total = 0.0;
    int counted = 0;
    for (int n = 0; n < N; n++) {
        float *lp = logits + (size_t)n * V;
        float *dl = dlogits ? dlogits + (size_t)n * V : NULL;
        int y = targets[n];
        if (y == S2S_PAD || y < 0 || y >= V) {
            if (dl)
                for (int k = 0; k < V; k++) dl[k] = 0.0f;
            continue;
        }
        kernel_log_softmax(lp, lp, V);
        double sum_lp = 0.0;
        for (int k = 0; k < V; k++) sum_lp += lp[k];
        total += -(1.0 - eps) * lp[y] - (eps / V) * sum_lp;
        counted++;
        if (dl) {
            kernel_exp(dl, lp, V);
            float smooth = eps / (float)V;
            for (int k = 0; k < V; k++) dl[k] = scale * (dl[k] - smooth);
            dl[y] -= scale * (1.0f - eps);
        }
    }
    *count = counted;
    return total;
}
