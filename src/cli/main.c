/* main.c — the `s2s` command: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: s2s COMMAND [options]   (s2s COMMAND -h for its options)\n"
    "commands:\n"
    "  train       train a model on a TSV corpus (domain<TAB>en<TAB>es)\n"
    "  translate   translate stdin to stdout, line by line\n"
    "  eval        translate a test TSV and print BLEU and chrF2 (overall, per domain, per length)\n"
    "  score       BLEU and chrF2 of a hypothesis file against a reference file\n"
    "  compare     is one system ahead of another on a test set by more than chance? (paired bootstrap)\n"
    "  quantize    write an int8 copy of a model\n"
    "  dequantize  write an f32 copy of an int8 model\n"
    "  average     average f32 models of one training run (checkpoint averaging)\n"
    "  info        show a model's shape, size and metadata\n"
    "  shortlist   learn a lexical shortlist from a training corpus and attach it to a model\n";

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {
        {"train", cmd_train},   {"translate", cmd_translate},   {"eval", cmd_eval},
        {"score", cmd_score},   {"quantize", cmd_quantize},     {"dequantize", cmd_dequantize},
        {"info", cmd_info},     {"shortlist", cmd_shortlist},   {"average", cmd_average},
        {"compare", cmd_compare},
    };
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s'", argv[1]);
    fputs(usage, stderr);
    return 2;
}
