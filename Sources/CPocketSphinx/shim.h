#pragma once
#include <pocketsphinx.h>
/* err_set_logfp: PocketSphinx logs its configuration and every utterance unless told not to. */
#include <sphinxbase/err.h>
/* The live cepstral mean a decoder carries from one utterance to the next: what it has learnt of
   the channel. Read when a decoder is loaded, set back when a pooled decoder is reused. */
#include <sphinxbase/feat.h>
#include <sphinxbase/cmn.h>
static inline int earshot_ps_cmn_size(ps_decoder_t *ps) {
    feat_t *f = ps_get_feat(ps);
    return f && f->cmn_struct ? f->cmn_struct->veclen : 0;
}
static inline void earshot_ps_cmn_get(ps_decoder_t *ps, mfcc_t *vec) { cmn_live_get(ps_get_feat(ps)->cmn_struct, vec); }
static inline void earshot_ps_cmn_set(ps_decoder_t *ps, mfcc_t const *vec) { cmn_live_set(ps_get_feat(ps)->cmn_struct, vec); }
