#pragma once
#include <opus/opus.h>

/* opus_encoder_ctl / opus_decoder_ctl are variadic, which Swift cannot call: one typed
 * wrapper per request Earshot uses. Each returns the library's status code (OPUS_OK on success). */

static inline int earshot_opus_encoder_set_bitrate(OpusEncoder *st, opus_int32 bitsPerSecond) {
    return opus_encoder_ctl(st, OPUS_SET_BITRATE(bitsPerSecond));
}
static inline int earshot_opus_encoder_get_bitrate(OpusEncoder *st, opus_int32 *bitsPerSecond) {
    return opus_encoder_ctl(st, OPUS_GET_BITRATE(bitsPerSecond));
}
static inline int earshot_opus_encoder_set_complexity(OpusEncoder *st, opus_int32 complexity) {
    return opus_encoder_ctl(st, OPUS_SET_COMPLEXITY(complexity));
}
static inline int earshot_opus_encoder_set_vbr(OpusEncoder *st, opus_int32 enabled) {
    return opus_encoder_ctl(st, OPUS_SET_VBR(enabled));
}
static inline int earshot_opus_encoder_set_inband_fec(OpusEncoder *st, opus_int32 enabled) {
    return opus_encoder_ctl(st, OPUS_SET_INBAND_FEC(enabled));
}
static inline int earshot_opus_encoder_set_packet_loss_perc(OpusEncoder *st, opus_int32 percent) {
    return opus_encoder_ctl(st, OPUS_SET_PACKET_LOSS_PERC(percent));
}
static inline int earshot_opus_encoder_get_lookahead(OpusEncoder *st, opus_int32 *samples) {
    return opus_encoder_ctl(st, OPUS_GET_LOOKAHEAD(samples));
}
static inline int earshot_opus_encoder_reset_state(OpusEncoder *st) {
    return opus_encoder_ctl(st, OPUS_RESET_STATE);
}

static inline int earshot_opus_decoder_reset_state(OpusDecoder *st) {
    return opus_decoder_ctl(st, OPUS_RESET_STATE);
}
static inline int earshot_opus_decoder_get_last_packet_duration(OpusDecoder *st, opus_int32 *samples) {
    return opus_decoder_ctl(st, OPUS_GET_LAST_PACKET_DURATION(samples));
}
