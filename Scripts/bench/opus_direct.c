/* The Opus work `earshot-bench opus` does through Earshot's Swift wrappers, done by calling
 * libopus directly: same settings, same input, same warm-up, same clock, same percentiles.
 * Usage: opus_direct INPUT.f32 FRAMES   (raw native-endian Float32 mono 48 kHz PCM)
 * Prints `key value` lines. */
#include <opus/opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RATE = 48000, FRAME = 960, WARMUP = 100, MAX_PACKET = 6 * 1275 + 12 };

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest rank, as the Swift side computes it. */
static double rank(const double *sorted, int n, double p) {
    double r = p * n;
    int k = (int)r;
    if (k < r) k++;
    return sorted[k > 0 ? k - 1 : 0];
}

static void summary(const char *name, double *values, int n) {
    double sum = 0;
    for (int i = 0; i < n; i++) sum += values[i];
    qsort(values, n, sizeof *values, compare);
    printf("%s_p50_us %.3f\n%s_p99_us %.3f\n%s_mean_us %.3f\n", name, rank(values, n, 0.50), name,
           rank(values, n, 0.99), name, sum / n);
}

static OpusEncoder *make_encoder(void) {
    int error;
    OpusEncoder *e = opus_encoder_create(RATE, 1, OPUS_APPLICATION_VOIP, &error);
    if (!e) { fprintf(stderr, "opus_encoder_create: %s\n", opus_strerror(error)); exit(3); }
    opus_encoder_ctl(e, OPUS_SET_BITRATE(32000));
    opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(10));
    opus_encoder_ctl(e, OPUS_SET_VBR(1));
    opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(0));
    opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(0));
    return e;
}

static OpusDecoder *make_decoder(void) {
    int error;
    OpusDecoder *d = opus_decoder_create(RATE, 1, &error);
    if (!d) { fprintf(stderr, "opus_decoder_create: %s\n", opus_strerror(error)); exit(3); }
    return d;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s INPUT.f32 FRAMES\n", argv[0]); return 2; }
    int frames = atoi(argv[2]);
    if (frames <= 0) { fprintf(stderr, "FRAMES must be positive\n"); return 2; }
    float *pcm = malloc(sizeof(float) * FRAME * frames);
    FILE *f = fopen(argv[1], "rb");
    if (!f || fread(pcm, sizeof(float) * FRAME, frames, f) != (size_t)frames) {
        fprintf(stderr, "%s: cannot read %d frames\n", argv[1], frames);
        return 2;
    }
    fclose(f);

    unsigned char packet[MAX_PACKET];
    float out[FRAME];
    OpusEncoder *we = make_encoder();
    OpusDecoder *wd = make_decoder();
    for (int i = 0; i < frames && i < WARMUP; i++) {
        int n = opus_encode_float(we, pcm + i * FRAME, FRAME, packet, MAX_PACKET);
        if (n < 0 || opus_decode_float(wd, packet, n, out, FRAME, 0) != FRAME) {
            fprintf(stderr, "warm-up failed at frame %d\n", i);
            return 3;
        }
    }
    opus_encoder_destroy(we);
    opus_decoder_destroy(wd);

    OpusEncoder *e = make_encoder();
    OpusDecoder *d = make_decoder();
    unsigned char *packets = malloc((size_t)MAX_PACKET * frames);
    int *lengths = malloc(sizeof(int) * frames);
    double *encode = malloc(sizeof(double) * frames), *decode = malloc(sizeof(double) * frames);
    /* Touch every page now, so first-touch page faults land outside the timed calls. */
    memset(packets, 0, (size_t)MAX_PACKET * frames);
    memset(encode, 0, sizeof(double) * frames);
    memset(decode, 0, sizeof(double) * frames);
    long bytes = 0;
    for (int i = 0; i < frames; i++) {
        long long start = now_ns();
        lengths[i] = opus_encode_float(e, pcm + i * FRAME, FRAME, packets + (size_t)i * MAX_PACKET, MAX_PACKET);
        encode[i] = (double)(now_ns() - start) / 1e3;
        if (lengths[i] < 0) { fprintf(stderr, "opus_encode_float: %s\n", opus_strerror(lengths[i])); return 3; }
        bytes += lengths[i];
    }
    for (int i = 0; i < frames; i++) {
        long long start = now_ns();
        int n = opus_decode_float(d, packets + (size_t)i * MAX_PACKET, lengths[i], out, FRAME, 0);
        decode[i] = (double)(now_ns() - start) / 1e3;
        if (n != FRAME) { fprintf(stderr, "opus_decode_float: %s\n", n < 0 ? opus_strerror(n) : "short frame"); return 3; }
    }
    /* FNV-1a over every packet's length and bytes: equal digests mean identical bitstreams. */
    unsigned long long digest = 0xcbf29ce484222325ULL;
    for (int i = 0; i < frames; i++) {
        unsigned char length[4] = {lengths[i] & 0xff, (lengths[i] >> 8) & 0xff, 0, 0};
        for (int k = 0; k < 4; k++) digest = (digest ^ length[k]) * 0x100000001b3ULL;
        for (int k = 0; k < lengths[i]; k++) digest = (digest ^ packets[(size_t)i * MAX_PACKET + k]) * 0x100000001b3ULL;
    }
    printf("frames %d\nbytes %ld\ndigest %016llx\n", frames, bytes, digest);
    summary("encode", encode, frames);
    summary("decode", decode, frames);
    opus_encoder_destroy(e);
    opus_decoder_destroy(d);
    return 0;
}
