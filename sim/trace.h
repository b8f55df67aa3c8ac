/* xenplace — VM start/stop traces: the native format and its parser.
 *
 * Native CSV (header row required, columns in any order, unknown columns an
 * error) and JSON Lines with the same field names:
 *
 *   time         seconds since trace start, decimal (e.g. 0.25), >= 0
 *   event        start | stop | toolstack_restart
 *   vm           VM name (unique among live VMs)
 *   vcpus        integer 1..XP_MAX_CPUS            (start only)
 *   memory_mib   integer > 0                       (start only)
 *   hard_affinity  optional xl CPU list "0-7,16"   (start only)
 *   cpu_demand   optional 0..1 busy fraction per vCPU (start only; default 1)
 *   lifetime     optional seconds; a stop is generated at time + lifetime
 *
 * The parser is strict: the first error stops it, names FILE:LINE:COLUMN,
 * the field and what was expected, and no partial trace is returned.
 */
#ifndef XP_TRACE_H
#define XP_TRACE_H

#include "sim/types.h"

G_BEGIN_DECLS

typedef enum {
  XP_TRACE_START,
  XP_TRACE_STOP,
  XP_TRACE_TOOLSTACK_RESTART,
} XpTraceEventType;

/* Members ordered by size: 64 bytes, two per VM of a trace. */
typedef struct {
  XpTime time;                /* ns since trace start */
  const char *vm;             /* interned in the trace's string chunk; NULL for toolstack_restart */
  guint64 memory_mib;
  const XpCpumask *hard_affinity;  /* NULL: none; owned by the trace (xp_trace_intern_mask) */
  XpTime lifetime;            /* 0 = none; informational: the stop is already in the events */
  XpTraceEventType type;
  guint vcpus;
  guint cpu_demand_ppm;       /* busy fraction in parts per million; 1000000 = always busy */
  guint line;                 /* source line, for messages */
  gboolean from_lifetime;     /* a stop generated from a start's lifetime (not written back) */
} XpTraceEvent;

typedef struct {
  char *path;
  GArray *events;             /* XpTraceEvent, stably sorted by time; lifetimes expanded into stops */
  GStringChunk *strings;
  GHashTable *masks;          /* the events' CPU masks, one copy each (NULL until one is interned) */
} XpTrace;

/* @trace's copy of @mask, for an event's hard_affinity: events with equal
 * masks share one copy. */
const XpCpumask *xp_trace_intern_mask (XpTrace *trace, const XpCpumask *mask);

/* By extension: .csv or .jsonl/.ndjson. Validates that stops name a live VM
 * and that starts do not reuse a live name. */
XpTrace *xp_trace_load (const char *path, GError **error);
XpTrace *xp_trace_load_csv (const char *path, GError **error);
XpTrace *xp_trace_load_jsonl (const char *path, GError **error);
void xp_trace_free (XpTrace *trace);

/* Write in the native CSV format (atomically). */
gboolean xp_trace_write_csv (const XpTrace *trace, const char *path, GError **error);

/* Write in the native JSON Lines format (atomically). */
gboolean xp_trace_write_jsonl (const XpTrace *trace, const char *path, GError **error);
/* By extension: .jsonl/.ndjson as JSON Lines, anything else as CSV. */
gboolean xp_trace_write (const XpTrace *trace, const char *path, GError **error);
/* One JSON Lines row (with its newline); absent optional fields omitted. */
void xp_trace_append_jsonl_row (GString *out, const XpTraceEvent *ev);

/* An empty trace (no events) whose messages will name @path. */
XpTrace *xp_trace_new (const char *path);
/* Finish a trace built in memory: @trace->events holds rows in file order
 * (starts with optional lifetimes, stops, restarts; any from_lifetime stops
 * are dropped and generated again).
 * Expands lifetimes, sorts stably by time and validates stops/starts against
 * the live set, exactly as the loaders do. On error the events are unchanged. */
gboolean xp_trace_finish (XpTrace *trace, GError **error);

/* The native CSV header line and one row (both with a trailing newline).
 * A start's lifetime is written in its row; from_lifetime stops are skipped
 * by xp_trace_write_csv but written by this function if passed. */
void xp_trace_append_csv_header (GString *out);
void xp_trace_append_csv_row (GString *out, const XpTraceEvent *ev);
/* ns as decimal seconds without trailing zeros ("0.25", "12"); caller frees. */
char *xp_trace_format_seconds (XpTime t);

/* Parse a decimal number of seconds ("12", "0.25", "1e-3" is rejected) to ns. */
gboolean xp_parse_seconds (const char *text, XpTime *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpTrace, xp_trace_free)

G_END_DECLS

#endif
