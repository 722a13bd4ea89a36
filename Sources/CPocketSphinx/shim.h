#pragma once
#include <pocketsphinx.h>
/* err_set_logfp: PocketSphinx logs its configuration and every utterance unless told not to. */
#include <sphinxbase/err.h>
/* The live cepstral mean a decoder carries from one utterance to the next: what it has learnt of
   the channel (its mean, the running sum behind it and how many frames that sum holds). Saved when
   a decoder is loaded, put back when a pooled decoder is reused. */
#include <sphinxbase/feat.h>
#include <sphinxbase/cmn.h>
#include <string.h>
static inline int earshot_ps_cmn_size(ps_decoder_t *ps) {
    feat_t *f = ps_get_feat(ps);
    return f && f->cmn_struct ? f->cmn_struct->veclen : 0;
}
static inline int32 earshot_ps_cmn_save(ps_decoder_t *ps, mfcc_t *mean, mfcc_t *sum) {
    cmn_t *c = ps_get_feat(ps)->cmn_struct;
    memcpy(mean, c->cmn_mean, c->veclen * sizeof *mean);
    memcpy(sum, c->sum, c->veclen * sizeof *sum);
    return c->nframe;
}
static inline void earshot_ps_cmn_restore(ps_decoder_t *ps, mfcc_t const *mean, mfcc_t const *sum, int32 nframe) {
    cmn_t *c = ps_get_feat(ps)->cmn_struct;
    memcpy(c->cmn_mean, mean, c->veclen * sizeof *mean);
    memcpy(c->sum, sum, c->veclen * sizeof *sum);
    c->nframe = nframe;
}
