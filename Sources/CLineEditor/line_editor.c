#include "line_editor.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t interrupts = 0;
static volatile sig_atomic_t at_prompt = 0;
static moco_le_completer completer = NULL;
static volatile sig_atomic_t cleared = 0;
static char *primary_prompt = NULL;

static char **candidates = NULL;
static size_t candidate_count = 0, candidate_capacity = 0, candidate_next = 0;

/* Only sets flags: everything else happens outside the handler. */
static void on_sigint(int sig) {
    (void)sig;
    interrupts = 1;
}

/* Called by readline (outside the handler) when a read was interrupted by a signal. */
static int on_signal_event(void) {
    if (at_prompt && interrupts) {
        interrupts = 0;
        cleared = 1;
        fputs("^C", rl_outstream);
        rl_crlf();
        rl_replace_line("", 0);
        if (primary_prompt) rl_set_prompt(primary_prompt);
        rl_on_new_line();
        rl_redisplay();
    }
    return 0;
}

/* Inside an open string literal the word is everything after its quote (a file path). */
static char *word_breaks(void) {
    int quotes = 0;
    for (int i = 0; i < rl_point && rl_line_buffer[i]; i++) {
        if (rl_line_buffer[i] == '\\') { i++; continue; }
        if (rl_line_buffer[i] == '"') quotes++;
    }
    return quotes % 2 ? "\"" : " \t\n\"'`@$><=;|&{}()[],+-*/%:.!";
}

static char *next_candidate(const char *text, int state) {
    (void)text;
    if (state == 0) candidate_next = 0;
    if (candidate_next >= candidate_count) return NULL;
    return strdup(candidates[candidate_next++]);
}

static char **complete(const char *text, int start, int end) {
    for (size_t i = 0; i < candidate_count; i++) free(candidates[i]);
    candidate_count = 0;
    rl_attempted_completion_over = 1; /* never fall back to readline's file names */
    rl_completion_append_character = ' ';
    if (completer) completer(rl_line_buffer, start, end);
    if (candidate_count == 0) return NULL;
    return rl_completion_matches(text, next_candidate);
}

void moco_le_setup(moco_le_completer c) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: readline's read returns EINTR and calls the event hook */
    sigaction(SIGINT, &sa, NULL);
    rl_catch_signals = 0;
    rl_signal_event_hook = on_signal_event;
    rl_readline_name = "moco";
    completer = c;
    rl_attempted_completion_function = complete;
    rl_completion_word_break_hook = word_breaks;
    using_history();
}

char *moco_le_readline(const char *prompt) {
    interrupts = 0;
    at_prompt = 1;
    char *line = readline(prompt);
    at_prompt = 0;
    return line;
}

void moco_le_set_primary_prompt(const char *prompt) {
    free(primary_prompt);
    primary_prompt = strdup(prompt);
}

int moco_le_take_cleared(void) {
    if (!cleared) return 0;
    cleared = 0;
    return 1;
}

int moco_le_take_interrupt(void) {
    if (!interrupts) return 0;
    interrupts = 0;
    return 1;
}

void moco_le_add_candidate(const char *candidate) {
    if (candidate_count == candidate_capacity) {
        size_t grown = candidate_capacity ? 2 * candidate_capacity : 64;
        char **bigger = realloc(candidates, grown * sizeof *bigger);
        if (!bigger) return;
        candidates = bigger;
        candidate_capacity = grown;
    }
    candidates[candidate_count++] = strdup(candidate);
}

void moco_le_set_append_character(int c) { rl_completion_append_character = c; }

void moco_le_history_load(const char *path, int max) {
    stifle_history(max);
    read_history(path);
}

void moco_le_history_add(const char *line) { add_history(line); }

int moco_le_history_save(const char *path, int max) {
    int status = write_history(path);
    if (status == 0) history_truncate_file(path, max);
    return status;
}
