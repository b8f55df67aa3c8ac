/* xenplace — discrete-event queue: a 4-ary min-heap on (time, scheduling
 * order), the keys kept in the heap itself so that sifting reads and
 * writes the heap array only.
 *
 * Cancellation is lazy: a cancelled event's record is marked and its heap
 * entry stays until it reaches the top, where it is dropped unrun (the
 * heap never holds a cancelled entry at the top, so peeking needs no
 * work). Cancels are rare next to runs (the credit model cancels a timer
 * when it re-arms it), and with no back-pointers to keep up to date a
 * sift moves 24-byte entries only. When cancelled entries outnumber the
 * live ones the heap is rebuilt without them, so a pattern of cancelling
 * far-future events cannot make it grow without bound. */
#include "config.h"
#include "sim/event.h"

typedef struct {
  XpTime when;
  XpEventFunc fn;      /* NULL: cancelled (its heap entry is still there) */
  gpointer a, b;
  XpEventId id;        /* (generation << 32) | (slot + 1); a new generation once the
                        * event ran or was cancelled, so only a pending event's id matches */
} Event;

typedef struct {
  XpTime when;
  guint64 seq;
  guint slot;
} HeapEnt;

struct XpEventQueue {
  Event *pool;         /* event records, indexed by slot */
  guint pool_len, pool_cap;
  guint *free_slots;   /* stack of unused slots */
  guint n_free;
  HeapEnt *heap;       /* min-heap on (when, seq) */
  guint heap_len;
  guint n_cancelled;   /* entries in heap[] whose event was cancelled */
  XpTime now;
  guint64 next_seq;
  guint64 events_run;
};

XpEventQueue *
xp_event_queue_new (void)
{
  XpEventQueue *q = g_new0 (XpEventQueue, 1);
  q->next_seq = 1;
  return q;
}

void
xp_event_queue_free (XpEventQueue *q)
{
  if (!q)
    return;
  g_free (q->pool);
  g_free (q->free_slots);
  g_free (q->heap);
  g_free (q);
}

XpTime xp_event_queue_now (const XpEventQueue *q) { return q->now; }
guint xp_event_queue_length (const XpEventQueue *q) { return q->heap_len - q->n_cancelled; }
guint64 xp_event_queue_events_run (const XpEventQueue *q) { return q->events_run; }

#define ARITY 4

static inline gboolean
earlier (const HeapEnt *a, const HeapEnt *b)
{
  return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void
sift_up (XpEventQueue *q, guint pos)
{
  HeapEnt e = q->heap[pos];
  while (pos > 0)
    {
      guint parent = (pos - 1) / ARITY;
      if (!earlier (&e, &q->heap[parent]))
        break;
      q->heap[pos] = q->heap[parent];
      pos = parent;
    }
  q->heap[pos] = e;
}

static void
sift_down (XpEventQueue *q, guint pos)
{
  HeapEnt e = q->heap[pos];
  for (;;)
    {
      guint first = ARITY * pos + 1;
      if (first >= q->heap_len)
        break;
      guint best = first, end = MIN (first + ARITY, q->heap_len);
      for (guint c = first + 1; c < end; c++)
        if (earlier (&q->heap[c], &q->heap[best]))
          best = c;
      if (!earlier (&q->heap[best], &e))
        break;
      q->heap[pos] = q->heap[best];
      pos = best;
    }
  q->heap[pos] = e;
}

static guint
slot_alloc (XpEventQueue *q)
{
  if (q->n_free > 0)
    return q->free_slots[--q->n_free];
  if (q->pool_len == q->pool_cap)
    {
      g_return_val_if_fail (q->pool_cap < G_MAXUINT32 / 2, 0);
      q->pool_cap = q->pool_cap ? q->pool_cap * 2 : 256;
      q->pool = g_renew (Event, q->pool, q->pool_cap);
      q->free_slots = g_renew (guint, q->free_slots, q->pool_cap);
      q->heap = g_renew (HeapEnt, q->heap, q->pool_cap);
    }
  q->pool[q->pool_len].id = (G_GUINT64_CONSTANT (1) << 32) | (q->pool_len + 1);
  return q->pool_len++;
}

static void
slot_release (XpEventQueue *q, guint slot)
{
  q->pool[slot].fn = NULL;
  q->pool[slot].id += G_GUINT64_CONSTANT (1) << 32;  /* next generation */
  q->free_slots[q->n_free++] = slot;
}

/* Take the top entry off the heap. */
static void
heap_pop (XpEventQueue *q)
{
  HeapEnt last = q->heap[--q->heap_len];
  if (q->heap_len)
    {
      q->heap[0] = last;
      sift_down (q, 0);
    }
}

/* Drop cancelled entries from the top, so that the top is live. */
static void
drop_cancelled_top (XpEventQueue *q)
{
  while (q->heap_len && !q->pool[q->heap[0].slot].fn)
    {
      guint slot = q->heap[0].slot;
      heap_pop (q);
      q->n_cancelled--;
      slot_release (q, slot);
    }
}

/* Rebuild the heap without its cancelled entries (Floyd's bottom-up build). */
static void
purge_cancelled (XpEventQueue *q)
{
  guint n = 0;
  for (guint i = 0; i < q->heap_len; i++)
    {
      guint slot = q->heap[i].slot;
      if (q->pool[slot].fn)
        q->heap[n++] = q->heap[i];
      else
        slot_release (q, slot);
    }
  q->heap_len = n;
  q->n_cancelled = 0;
  for (guint i = n / ARITY + 1; i-- > 0;)
    if (i < n)
      sift_down (q, i);
}

XpEventId
xp_event_schedule (XpEventQueue *q, XpTime when, XpEventFunc fn, gpointer a, gpointer b)
{
  g_return_val_if_fail (fn != NULL, 0);
  g_return_val_if_fail (when >= q->now, 0);

  guint slot = slot_alloc (q);
  Event *e = &q->pool[slot];
  e->when = when;
  e->fn = fn;
  e->a = a;
  e->b = b;
  q->heap[q->heap_len++] = (HeapEnt) { when, q->next_seq++, slot };
  sift_up (q, q->heap_len - 1);
  return e->id;
}

gboolean
xp_event_cancel (XpEventQueue *q, XpEventId id)
{
  guint64 slot1 = id & G_MAXUINT32;
  if (slot1 == 0 || slot1 > q->pool_len)
    return FALSE;
  guint slot = (guint) slot1 - 1;
  Event *e = &q->pool[slot];
  if (e->id != id)
    return FALSE;
  /* the id dies at once (slot_release() gives the slot its next
   * generation when the entry leaves the heap) */
  e->fn = NULL;
  e->id += G_GUINT64_CONSTANT (1) << 32;
  q->n_cancelled++;
  drop_cancelled_top (q);
  if (q->n_cancelled > 64 && q->n_cancelled * 2 > q->heap_len)
    purge_cancelled (q);
  return TRUE;
}

XpTime
xp_event_queue_peek_time (const XpEventQueue *q)
{
  return q->heap_len ? q->heap[0].when : XP_TIME_NEVER;
}

gboolean
xp_event_run_one (XpEventQueue *q)
{
  if (q->heap_len == 0)
    return FALSE;
  guint slot = q->heap[0].slot;
  Event e = q->pool[slot];
  heap_pop (q);
  slot_release (q, slot);
  drop_cancelled_top (q);
  q->now = e.when;
  q->events_run++;
  e.fn (q, e.a, e.b);
  return TRUE;
}

guint64
xp_event_run_until (XpEventQueue *q, XpTime until)
{
  guint64 n = 0;
  while (q->heap_len && q->heap[0].when <= until)
    {
      xp_event_run_one (q);
      n++;
    }
  if (until != XP_TIME_NEVER && until > q->now)
    q->now = until;
  return n;
}
