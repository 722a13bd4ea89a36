#pragma once
#include <stddef.h>
#include <stdint.h>

/* libwebrtc-audio-processing 0.3 exports the WebRTC VAD but installs no header for it: these
   prototypes follow that version's common_audio/vad/include/webrtc_vad.h. */
typedef struct WebRtcVadInst VadInst;
VadInst *WebRtcVad_Create(void);
void WebRtcVad_Free(VadInst *inst);
int WebRtcVad_Init(VadInst *inst);
int WebRtcVad_set_mode(VadInst *inst, int mode);
int WebRtcVad_Process(VadInst *inst, int fs, const int16_t *audio_frame, size_t frame_length);
int WebRtcVad_ValidRateAndFrameLength(int rate, size_t frame_length);
