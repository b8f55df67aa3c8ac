/* xenplace — discrete-event queue.
 *
 * A 4-ary min-heap ordered by (time, sequence number): events at equal
 * times run in the order they were scheduled, so a run is reproducible bit
 * for bit. Events are cancellable through the id returned at scheduling
 * time (lazily: the entry is dropped when it reaches the top). Event
 * records live in a pooled array; scheduling does not allocate once the
 * pool has grown to the run's high-water mark.
 */
#ifndef XP_EVENT_H
#define XP_EVENT_H

#include "sim/types.h"

G_BEGIN_DECLS

typedef struct XpEventQueue XpEventQueue;

/* Handler of an event; @a and @b are the two opaque words given at scheduling. */
typedef void (*XpEventFunc) (XpEventQueue *q, gpointer a, gpointer b);

/* 0 is never a valid id. Ids are not reused within one queue. */
typedef guint64 XpEventId;

XpEventQueue *xp_event_queue_new (void);
void xp_event_queue_free (XpEventQueue *q);

/* Current simulated time: the time of the event being run (0 before the first). */
XpTime xp_event_queue_now (const XpEventQueue *q);

/* Schedule @fn at absolute time @when (>= now). */
XpEventId xp_event_schedule (XpEventQueue *q, XpTime when, XpEventFunc fn, gpointer a, gpointer b);

/* Cancel a pending event; FALSE if it already ran, was cancelled, or is unknown. */
gboolean xp_event_cancel (XpEventQueue *q, XpEventId id);

/* Time of the next pending event, XP_TIME_NEVER when empty. */
XpTime xp_event_queue_peek_time (const XpEventQueue *q);
guint xp_event_queue_length (const XpEventQueue *q);

/* Run the next event: advances now, calls its handler. FALSE when empty. */
gboolean xp_event_run_one (XpEventQueue *q);

/* Run events while the next one is at or before @until. Returns the count run. */
guint64 xp_event_run_until (XpEventQueue *q, XpTime until);

/* Total number of events run so far. */
guint64 xp_event_queue_events_run (const XpEventQueue *q);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XpEventQueue, xp_event_queue_free)

G_END_DECLS

#endif
