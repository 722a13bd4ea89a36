/* Decodes 8 kHz recordings with PocketSphinx's en-us model (trained on 16 kHz audio) two ways:
 *   up      resampled to 16 kHz (speexdsp, quality 5, as Earshot's Resampler) and decoded as the
 *           model expects: what stt-pocketsphinx does;
 *   native  decoded at 8 kHz: -samprate 8000 -nfft 256, with a model folder whose feat.params
 *           has its filter bank's upper edge below 4 kHz (HMM=dir; the package's 6800 Hz is
 *           refused at 8 kHz), the way PocketSphinx's documentation suggests for telephone audio.
 * Usage: pocketsphinx_8k MODEL_DIR lm|JSGF_FILE up|native FILE...   (HMM=dir for native)
 * Prints one line per file: the file, a tab, the hypothesis. 20 ms chunks, as the stage streams. */
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <speex/speex_resampler.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *text = malloc(n + 1);
    text[fread(text, 1, n, f)] = 0;
    fclose(f);
    return text;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s MODEL_DIR lm|JSGF_FILE up|native FILE...\n", argv[0]); return 2; }
    const char *model = argv[1], *search = argv[2];
    int native = strcmp(argv[3], "native") == 0;
    char hmm[1024], dict[1024], lm[1024];
    snprintf(hmm, sizeof hmm, "%s/en-us", model);
    snprintf(dict, sizeof dict, "%s/cmudict-en-us.dict", model);
    snprintf(lm, sizeof lm, "%s/en-us.lm.bin", model);
    if (native && getenv("HMM")) snprintf(hmm, sizeof hmm, "%s", getenv("HMM"));
    const char *args[16];
    int n = 0;
    args[n++] = "-hmm"; args[n++] = hmm; args[n++] = "-dict"; args[n++] = dict;
    if (strcmp(search, "lm") == 0) { args[n++] = "-lm"; args[n++] = lm; }
    if (native) { args[n++] = "-samprate"; args[n++] = "8000"; args[n++] = "-nfft"; args[n++] = "256"; }
    err_set_logfp(NULL);
    cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), n, (char **)args, 1);
    ps_decoder_t *ps = config ? ps_init(config) : NULL;
    if (!ps) { fprintf(stderr, "pocketsphinx_8k: the decoder did not start\n"); return 3; }
    if (strcmp(search, "lm") != 0) {
        char *jsgf = slurp(search);
        if (!jsgf || ps_set_jsgf_string(ps, "grammar", jsgf) != 0 || ps_set_search(ps, "grammar") != 0) {
            fprintf(stderr, "pocketsphinx_8k: grammar %s refused\n", search);
            return 3;
        }
    }
    for (int i = 4; i < argc; i++) {
        SF_INFO info = {0};
        SNDFILE *file = sf_open(argv[i], SFM_READ, &info);
        if (!file || info.samplerate != 8000 || info.channels != 1) { fprintf(stderr, "pocketsphinx_8k: %s is not 8 kHz mono\n", argv[i]); return 2; }
        short *samples = malloc(info.frames * sizeof *samples);
        spx_uint32_t count = (spx_uint32_t)sf_read_short(file, samples, info.frames);
        sf_close(file);
        if (!native) {
            int error = 0;
            SpeexResamplerState *r = speex_resampler_init(1, 8000, 16000, 5, &error);
            spx_uint32_t in = count, out = count * 2 + 64;
            short *up = malloc(out * sizeof *up);
            speex_resampler_process_int(r, 0, samples, &in, up, &out);
            speex_resampler_destroy(r);
            free(samples);
            samples = up;
            count = out;
        }
        int chunk = native ? 160 : 320;
        ps_start_utt(ps);
        for (spx_uint32_t k = 0; k < count; k += chunk) {
            ps_process_raw(ps, samples + k, count - k < (spx_uint32_t)chunk ? count - k : (spx_uint32_t)chunk, 0, 0);
        }
        ps_end_utt(ps);
        const char *hyp = ps_get_hyp(ps, NULL);
        printf("%s\t%s\n", argv[i], hyp ? hyp : "");
        free(samples);
    }
    ps_free(ps);
    return 0;
}
