/* xenplace — discrete-event queue: a 4-ary min-heap on (time, scheduling
 * order), the keys kept in the heap itself so that sifting reads no event
 * record (each move writes the moved record's heap position, for cancel). */
#include "config.h"
#include "sim/event.h"

typedef struct {
  XpTime when;
  guint64 seq;         /* scheduling order; also the event id */
  XpEventFunc fn;
  gpointer a, b;
  guint heap_pos;      /* index in heap[], or G_MAXUINT when free */
  XpEventId id;        /* (generation << 32) | (slot + 1); stale ids never match */
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
guint xp_event_queue_length (const XpEventQueue *q) { return q->heap_len; }
guint64 xp_event_queue_events_run (const XpEventQueue *q) { return q->events_run; }

#define ARITY 4

static inline gboolean
earlier (const HeapEnt *a, const HeapEnt *b)
{
  return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static inline void
heap_place (XpEventQueue *q, guint pos, HeapEnt e)
{
  q->heap[pos] = e;
  q->pool[e.slot].heap_pos = pos;
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
      heap_place (q, pos, q->heap[parent]);
      pos = parent;
    }
  heap_place (q, pos, e);
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
      heap_place (q, pos, q->heap[best]);
      pos = best;
    }
  heap_place (q, pos, e);
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
  q->pool[slot].heap_pos = G_MAXUINT;
  q->pool[slot].fn = NULL;
  q->pool[slot].id += G_GUINT64_CONSTANT (1) << 32;  /* next generation */
  q->free_slots[q->n_free++] = slot;
}

XpEventId
xp_event_schedule (XpEventQueue *q, XpTime when, XpEventFunc fn, gpointer a, gpointer b)
{
  g_return_val_if_fail (fn != NULL, 0);
  g_return_val_if_fail (when >= q->now, 0);

  guint slot = slot_alloc (q);
  Event *e = &q->pool[slot];
  e->when = when;
  e->seq = q->next_seq++;
  e->fn = fn;
  e->a = a;
  e->b = b;
  heap_place (q, q->heap_len++, (HeapEnt) { when, e->seq, slot });
  sift_up (q, q->heap_len - 1);
  return e->id;
}

static void
heap_remove_at (XpEventQueue *q, guint pos)
{
  HeapEnt last = q->heap[--q->heap_len];
  if (pos < q->heap_len)
    {
      heap_place (q, pos, last);
      if (pos > 0 && earlier (&last, &q->heap[(pos - 1) / ARITY]))
        sift_up (q, pos);
      else
        sift_down (q, pos);
    }
}

gboolean
xp_event_cancel (XpEventQueue *q, XpEventId id)
{
  guint64 slot1 = id & G_MAXUINT32;
  if (slot1 == 0 || slot1 > q->pool_len)
    return FALSE;
  guint slot = (guint) slot1 - 1;
  if (q->pool[slot].id != id || q->pool[slot].heap_pos == G_MAXUINT)
    return FALSE;
  heap_remove_at (q, q->pool[slot].heap_pos);
  slot_release (q, slot);
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
  heap_remove_at (q, 0);
  slot_release (q, slot);
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
