/* Tests of the event queue: ordering, tie-break, cancellation. */
#include "config.h"
#include "tests/testutil.h"
#include "sim/event.h"

static GString *log_;

static void
record (XpEventQueue *q, gpointer a, gpointer b)
{
  g_string_append_printf (log_, "%s@%" G_GINT64_FORMAT " ", (const char *) a, xp_event_queue_now (q));
}

static void
chain (XpEventQueue *q, gpointer a, gpointer b)
{
  record (q, a, b);
  xp_event_schedule (q, xp_event_queue_now (q), record, "same-time-child", NULL);
}

START_TEST (test_order_and_tiebreak)
{
  log_ = g_string_new (NULL);
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  xp_event_schedule (q, 30, record, "c", NULL);
  xp_event_schedule (q, 10, record, "a1", NULL);
  xp_event_schedule (q, 10, chain, "a2", NULL);
  xp_event_schedule (q, 10, record, "a3", NULL);
  xp_event_schedule (q, 20, record, "b", NULL);
  while (xp_event_run_one (q))
    ;
  /* equal times run in scheduling order; a child scheduled at the same time
   * runs after everything already queued for that time */
  ck_assert_str_eq (log_->str, "a1@10 a2@10 a3@10 same-time-child@10 b@20 c@30 ");
  ck_assert_uint_eq (xp_event_queue_events_run (q), 6);
  g_string_free (log_, TRUE);
}
END_TEST

START_TEST (test_cancel)
{
  log_ = g_string_new (NULL);
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  XpEventId ids[100];
  for (int i = 0; i < 100; i++)
    ids[i] = xp_event_schedule (q, 1000 - i, record, "x", NULL);
  /* cancel every event but those at times 901..910 */
  for (int i = 0; i < 100; i++)
    if (i < 90 || i >= 100)
      ck_assert (xp_event_cancel (q, ids[i]));
  ck_assert (!xp_event_cancel (q, ids[0]));        /* twice */
  ck_assert (!xp_event_cancel (q, 0));             /* never valid */
  ck_assert_uint_eq (xp_event_queue_length (q), 10);
  ck_assert_int_eq (xp_event_queue_peek_time (q), 901);
  guint64 n = xp_event_run_until (q, 905);
  ck_assert_uint_eq (n, 5);
  ck_assert_int_eq (xp_event_queue_now (q), 905);
  /* a stale id of a slot reused by a new event must not cancel the new one */
  XpEventId fresh = xp_event_schedule (q, 2000, record, "fresh", NULL);
  for (int i = 0; i < 90; i++)
    ck_assert (!xp_event_cancel (q, ids[i]));
  ck_assert (xp_event_cancel (q, fresh));
  g_string_free (log_, TRUE);
}
END_TEST

/* Heap order under random pushes and cancels, against a sorted model. */
START_TEST (test_random_against_model)
{
  log_ = g_string_new (NULL);
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  GRand *rand = g_rand_new_with_seed (42);
  GArray *live = g_array_new (FALSE, FALSE, sizeof (XpEventId));
  gint64 times[5000];
  for (int i = 0; i < 5000; i++)
    {
      times[i] = g_rand_int_range (rand, 0, 1000);
      XpEventId id = xp_event_schedule (q, times[i], record, "r", NULL);
      g_array_append_val (live, id);
    }
  for (int i = 0; i < 2000; i++)
    {
      guint k = g_rand_int_range (rand, 0, live->len);
      ck_assert (xp_event_cancel (q, g_array_index (live, XpEventId, k)));
      g_array_remove_index_fast (live, k);
    }
  ck_assert_uint_eq (xp_event_queue_length (q), 3000);
  XpTime prev = -1;
  while (xp_event_queue_length (q))
    {
      XpTime t = xp_event_queue_peek_time (q);
      ck_assert_int_ge (t, prev);
      prev = t;
      xp_event_run_one (q);
    }
  g_array_free (live, TRUE);
  g_rand_free (rand);
  g_string_free (log_, TRUE);
}
END_TEST

static void
record_index (XpEventQueue *q, gpointer a, gpointer b)
{
  g_array_append_val ((GArray *) a, b);
}

/* Most events cancelled (the heap is rebuilt without them once they
 * outnumber the live ones), some scheduled after: the rest run in (time,
 * scheduling order), each once, and a cancelled id stays dead. */
START_TEST (test_cancel_most)
{
  g_autoptr (XpEventQueue) q = xp_event_queue_new ();
  GRand *rand = g_rand_new_with_seed (7);
  GArray *ran = g_array_new (FALSE, FALSE, sizeof (gpointer));
  enum { N = 5000, EXTRA = 100 };
  static XpTime when[N + EXTRA];
  static XpEventId ids[N + EXTRA];
  static gboolean cancelled[N + EXTRA];
  for (guint i = 0; i < N; i++)
    {
      when[i] = g_rand_int_range (rand, 0, 500);
      ids[i] = xp_event_schedule (q, when[i], record_index, ran, GUINT_TO_POINTER (i));
    }
  guint n_cancel = 0;
  while (n_cancel < 4000)
    {
      guint k = g_rand_int_range (rand, 0, N);
      if (cancelled[k])
        {
          ck_assert (!xp_event_cancel (q, ids[k]));
          continue;
        }
      ck_assert (xp_event_cancel (q, ids[k]));
      cancelled[k] = TRUE;
      n_cancel++;
    }
  for (guint i = N; i < N + EXTRA; i++)
    {
      when[i] = g_rand_int_range (rand, 0, 500);
      ids[i] = xp_event_schedule (q, when[i], record_index, ran, GUINT_TO_POINTER (i));
    }
  ck_assert_uint_eq (xp_event_queue_length (q), N + EXTRA - 4000);
  xp_event_run_until (q, XP_TIME_NEVER);
  ck_assert_uint_eq (ran->len, N + EXTRA - 4000);
  /* the model: live events by time, then by index (= scheduling order) */
  guint j = 0;
  for (XpTime t = 0; t < 500; t++)
    for (guint i = 0; i < N + EXTRA; i++)
      if (!cancelled[i] && when[i] == t)
        ck_assert_uint_eq (GPOINTER_TO_UINT (g_array_index (ran, gpointer, j++)), i);
  for (guint i = 0; i < N; i++)
    ck_assert (!xp_event_cancel (q, ids[i]));
  ck_assert_uint_eq (xp_event_queue_length (q), 0);
  g_array_free (ran, TRUE);
  g_rand_free (rand);
}
END_TEST

Suite *
xp_test_event_suite (void)
{
  Suite *s = suite_create ("event");
  TCase *tc = tcase_create ("queue");
  tcase_add_test (tc, test_order_and_tiebreak);
  tcase_add_test (tc, test_cancel);
  tcase_add_test (tc, test_random_against_model);
  tcase_add_test (tc, test_cancel_most);
  suite_add_tcase (s, tc);
  return s;
}
