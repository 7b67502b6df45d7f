#ifndef MOCO_LINE_EDITOR_H
#define MOCO_LINE_EDITOR_H

/// A thin layer over GNU readline for the moco REPL: SIGINT handling that clears the line at
/// the prompt and raises a flag during evaluation, history in a file, and completion whose
/// candidates come from a callback.

/// Computes completions of `line` for the word `line[start..<end]`; it calls
/// `moco_le_add_candidate` for each and may set the character appended after a single match.
typedef void (*moco_le_completer)(const char *line, int start, int end);

/// Installs the SIGINT handler and readline's hooks; `completer` may be NULL.
void moco_le_setup(moco_le_completer completer);

/// Reads one line with editing; NULL at end of input (Ctrl-D). Free the result with free().
char *moco_le_readline(const char *prompt);

/// The prompt shown after Ctrl-C cleared the line (the continuation prompt is dropped with it).
void moco_le_set_primary_prompt(const char *prompt);

/// True (once) when Ctrl-C cleared the line at the prompt: the pending multi-line input is void.
int moco_le_take_cleared(void);

/// True (once) when SIGINT arrived since the last call.
int moco_le_take_interrupt(void);

void moco_le_add_candidate(const char *candidate);
void moco_le_set_append_character(int c);

/// History: load from (ignored when missing), append one entry, save to (truncated to `max` entries).
void moco_le_history_load(const char *path, int max);
void moco_le_history_add(const char *line);
int moco_le_history_save(const char *path, int max);

#endif
