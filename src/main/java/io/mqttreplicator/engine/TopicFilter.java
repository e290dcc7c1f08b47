package io.mqttreplicator.engine;

import java.util.Comparator;

/**
 * An MQTT topic filter ({@code +} one level, {@code #} this level and every level below), matched
 * as the MQTT specification says: {@code sport/#} also matches {@code sport}, {@code +} matches
 * an empty level, and a wildcard in the first level never matches a topic beginning with
 * {@code $}. Matching allocates nothing: it sits on the path of every message.
 */
public final class TopicFilter {

    private static final byte LITERAL = 0;
    private static final byte SINGLE = 1;
    private static final byte MULTI = 2;

    /** More specific filters first: at the first level where they differ, a name beats {@code +}, which beats {@code #}. */
    static final Comparator<TopicFilter> MOST_SPECIFIC_FIRST = TopicFilter::compareSpecificity;

    private final String filter;
    private final String[] levels;
    private final byte[] kinds;

    private TopicFilter(String filter, String[] levels, byte[] kinds) {
        this.filter = filter;
        this.levels = levels;
        this.kinds = kinds;
    }

    /** Parses a filter; throws IllegalArgumentException naming what is wrong with it. */
    public static TopicFilter parse(String filter) {
        if (filter == null || filter.isEmpty()) {
            throw new IllegalArgumentException("a topic filter must not be empty");
        }
        if (filter.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("topic filter '" + filter + "' contains a NUL character");
        }
        String[] levels = filter.split("/", -1);
        byte[] kinds = new byte[levels.length];
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals("#")) {
                if (i != levels.length - 1) {
                    throw new IllegalArgumentException("topic filter '" + filter + "': '#' must be the last level");
                }
                kinds[i] = MULTI;
            } else if (level.equals("+")) {
                kinds[i] = SINGLE;
            } else if (level.indexOf('#') >= 0 || level.indexOf('+') >= 0) {
                throw new IllegalArgumentException("topic filter '" + filter + "': '+' and '#' must occupy a whole level");
            } else {
                kinds[i] = LITERAL;
            }
        }
        return new TopicFilter(filter, levels, kinds);
    }

    /** Whether a topic name matches this filter. */
    public boolean matches(String topic) {
        if (kinds[0] != LITERAL && !topic.isEmpty() && topic.charAt(0) == '$') {
            return false;
        }
        int length = topic.length();
        int start = 0;
        for (int i = 0; i < levels.length; i++) {
            if (kinds[i] == MULTI) {
                return true;
            }
            if (start > length) {
                return false;
            }
            int end = topic.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            if (kinds[i] == LITERAL) {
                String level = levels[i];
                if (end - start != level.length() || !topic.regionMatches(start, level, 0, level.length())) {
                    return false;
                }
            }
            start = end + 1;
        }
        return start == length + 1;
    }

    /** Whether every topic this filter's {@code other} matches is matched by this filter too. */
    public boolean covers(TopicFilter other) {
        if (kinds[0] != LITERAL && other.kinds[0] == LITERAL && other.levels[0].startsWith("$")) {
            return false;
        }
        for (int i = 0; i < levels.length; i++) {
            if (kinds[i] == MULTI) {
                return true;
            }
            if (i >= other.levels.length || other.kinds[i] == MULTI) {
                return false;
            }
            if (kinds[i] == LITERAL && (other.kinds[i] != LITERAL || !levels[i].equals(other.levels[i]))) {
                return false;
            }
        }
        return levels.length == other.levels.length;
    }

    private int compareSpecificity(TopicFilter other) {
        int common = Math.min(kinds.length, other.kinds.length);
        for (int i = 0; i < common; i++) {
            if (kinds[i] != other.kinds[i]) {
                return Byte.compare(kinds[i], other.kinds[i]);
            }
        }
        // Both match a topic only if the longer one continues with '#' (which also matches the
        // parent): then the shorter, exact one is the more specific.
        return Integer.compare(kinds.length, other.kinds.length);
    }

    /** The filter as configured. */
    public String filter() {
        return filter;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TopicFilter that && filter.equals(that.filter);
    }

    @Override
    public int hashCode() {
        return filter.hashCode();
    }

    @Override
    public String toString() {
        return filter;
    }
}
