package io.mqttreplicator.metrics;

import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Filters Quarkus applies to the meter registry. */
public class MeterFilters {

    /**
     * Quarkus' Netty metrics register {@value #AMBIGUOUS_NETTY_WORKERS} once for each of Vert.x's two
     * event loop groups, under one name and no tags: Micrometer refused the second with a WARN at
     * every start, and the one left counted one group or the other. The per-loop meters stay.
     */
    static final String AMBIGUOUS_NETTY_WORKERS = "netty.eventexecutor.workers";

    @Produces
    @Singleton
    MeterFilter withoutAmbiguousNettyWorkers() {
        return MeterFilter.deny(id -> id.getName().equals(AMBIGUOUS_NETTY_WORKERS) && id.getTags().isEmpty());
    }
}
