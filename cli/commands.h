/* xenplace — subcommands. Each returns the process exit status. A command
 * whose module is not built in this configuration is absent (weak). */
#ifndef XP_COMMANDS_H
#define XP_COMMANDS_H

#include <glib.h>

G_BEGIN_DECLS

typedef int (*XpCommandFunc) (int argc, char **argv);

int xp_cmd_replay (int argc, char **argv);    /* cli/cmd_replay.c */
int xp_cmd_topo (int argc, char **argv);      /* cli/cmd_topo.c */
int xp_cmd_trace (int argc, char **argv);     /* cli/cmd_trace.c */
int xp_cmd_policies (int argc, char **argv);  /* cli/cmd_policies.c */
int xp_cmd_bench (int argc, char **argv);     /* cli/cmd_bench.c */
int xp_cmd_compare (int argc, char **argv);   /* cli/cmd_bench.c */
int xp_cmd_live (int argc, char **argv);      /* cli/cmd_live.c */

/* Print "xenplace: MESSAGE" to stderr. */
void xp_cli_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
/* If @out is the same file as one of the @n @inputs (NULLs and "-"
 * skipped), say so in one line as @cmd and return TRUE. */
gboolean xp_cli_output_is_input (const char *cmd, const char *option, const char *out, const char *const *inputs,
                                 guint n);
/* Parse @entries from @argv with GOption; on failure print the error and
 * return FALSE. @summary is the usage line after "xenplace". */
gboolean xp_cli_parse (int *argc, char ***argv, const char *usage, const char *summary,
                       const GOptionEntry *entries);

G_END_DECLS

#endif
