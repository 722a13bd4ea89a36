#pragma once
#include <pocketsphinx.h>
/* err_set_logfp: PocketSphinx logs its configuration and every utterance unless told not to. */
#include <sphinxbase/err.h>
