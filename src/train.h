/*
 * train.h — the trainer's internals that tests reach into: one forward
 * (and optionally backward) pass over a batch, and the gradient buffer.
 */
#ifndef S2S_TRAIN_H
#define S2S_TRAIN_H

#include "arch.h"

typedef struct train_pass {
    double loss_sum;     /* summed token loss */
    int tokens;          /* non-PAD target tokens (EOS included) */
    int T, B;            /* decoder steps, sentences */
    const float *logits; /* (T, B, Vt) raw logits when keep_logits, valid until the next pass */
} train_pass;

/* Forward over a batch; with `backward` the gradients of the mean loss are
 * accumulated into the (zeroed by this call) gradient buffer. eps is the
 * label smoothing, dropout the drop probability. */
s2s_status trainer_pass(s2s_trainer *t, const s2s_batch *b, int backward, float eps,
                        float dropout, int keep_logits, train_pass *out, s2s_error *err);

/* Exploding-loss guard of s2s_trainer_step. Once TRAIN_EXPLODE_WARMUP steps
 * have been accepted, a step whose mean loss is above both factor x the
 * running loss (an exponential moving average of the accepted steps' losses,
 * weight TRAIN_EXPLODE_DECAY on the old value) and ln(target vocabulary) (a
 * uniform guess's loss, so a low running level alone never triggers it) is
 * rejected like a non-finite one: S2S_ERR_DIVERGED, no update, the dropout
 * generator restored, the running level unchanged. Every trainer starts with
 * factor TRAIN_EXPLODE_FACTOR; 0 disables the guard; otherwise factor > 1.
 * The level travels in s2s_trainer_save_state (train.loss_level and
 * train.level_steps); a state without them warms up again. */
#define TRAIN_EXPLODE_FACTOR 10.0f
#define TRAIN_EXPLODE_WARMUP 5
#define TRAIN_EXPLODE_DECAY 0.9
s2s_status trainer_set_explode_factor(s2s_trainer *t, float factor);

/* The gradients, laid out like the parameters (model_walk order). */
float *trainer_grad_buffer(s2s_trainer *t, size_t *n);
const weights *trainer_grads(const s2s_trainer *t);

#endif /* S2S_TRAIN_H */
