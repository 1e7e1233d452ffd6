package org.wildfly.mlt.web.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admission policy with a clock of its own: places, the bounded queue, its order and the bounded wait. */
class AdmissionQueueTest {

    private static final long MS = 1_000_000L;
    private static final long MAX_WAIT = 500 * MS;
    private static final long NEWEST_FIRST_AFTER = 100 * MS;

    private final List<String> expired = new ArrayList<>();
    private final AdmissionQueue<String> queue = new AdmissionQueue<>(2, 3, MAX_WAIT, NEWEST_FIRST_AFTER);

    @Test
    void requestsStartWhilePlacesAreFreeThenWaitThenAreRefused() {
        assertTrue(queue.tryStart(0, expired::add));
        assertTrue(queue.tryStart(0, expired::add));
        assertFalse(queue.tryStart(0, expired::add), "both places taken");
        for (String request : List.of("a", "b", "c")) {
            assertEquals(AdmissionQueue.Outcome.WAIT, queue.enqueue(request, 0, 0, expired::add));
        }
        assertEquals(AdmissionQueue.Outcome.REFUSE, queue.enqueue("d", 0, 0, expired::add), "the queue is full");
        assertEquals(2, queue.running());
        assertEquals(3, queue.waiting());
        assertEquals(List.of(), expired);
    }

    @Test
    void aShortQueueServesTheOldestFirst() {
        fill(0, 10 * MS);
        assertEquals("a", queue.release(50 * MS, expired::add), "the oldest waited 50 ms, under 100");
        assertEquals("b", queue.release(60 * MS, expired::add));
        assertEquals(2, queue.running(), "each place passed on, none freed");
    }

    @Test
    void aLongQueueServesTheNewestFirstAndTheOldestExpire() {
        fill(0, 10 * MS);
        assertEquals("c", queue.release(150 * MS, expired::add), "the oldest waited 150 ms, over 100: newest first");
        assertEquals(List.of(), expired);
        assertEquals(AdmissionQueue.Outcome.WAIT, queue.enqueue("d", 400 * MS, 400 * MS, expired::add));
        assertEquals("d", queue.release(505 * MS, expired::add), "a fresh caller runs before the old ones");
        assertEquals(List.of("a"), expired, "waited past 500 ms: refused, not served");
        assertEquals("b", queue.release(505 * MS, expired::add), "the last one waiting");
    }

    @Test
    void placesAreFreedWhenNobodyWaitsAndExpiredRequestsNeverRun() {
        fill(0, 0);
        assertNull(queue.release(600 * MS, expired::add), "all three waited past max-wait");
        assertEquals(List.of("a", "b", "c"), expired);
        assertEquals(1, queue.running());
        assertEquals(0, queue.waiting());
        assertTrue(queue.tryStart(600 * MS, expired::add), "the freed place is taken at once");
    }

    @Test
    void aRequestThatFindsAPlaceFreedMeanwhileStarts() {
        assertTrue(queue.tryStart(0, expired::add));
        assertTrue(queue.tryStart(0, expired::add));
        assertNull(queue.release(0, expired::add));
        assertEquals(AdmissionQueue.Outcome.START, queue.enqueue("a", 0, 0, expired::add));
        assertEquals(2, queue.running());
    }

    /** Both places running, a, b and c waiting, arrived {@code step} apart from {@code first}. */
    private void fill(long first, long step) {
        assertTrue(queue.tryStart(first, expired::add));
        assertTrue(queue.tryStart(first, expired::add));
        long arrived = first;
        for (String request : List.of("a", "b", "c")) {
            assertEquals(AdmissionQueue.Outcome.WAIT, queue.enqueue(request, arrived, arrived, expired::add));
            arrived += step;
        }
    }
}
