/*
 * arch.c — the model families, indexed by s2s_architecture (arch.h).
 */
#include "arch.h"

static const s2s_arch *const families[] = {
    [S2S_ARCH_RNN] = &rnn_arch,
    [S2S_ARCH_TRANSFORMER] = &transformer_arch,
};

const s2s_arch *arch_of(const s2s_hparams *hp) {
    /* the key table's range check keeps architecture within the families */
    return families[hp->architecture];
}
