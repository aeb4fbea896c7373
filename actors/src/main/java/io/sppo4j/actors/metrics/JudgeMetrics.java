package io.sppo4j.actors.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sppo4j.model.judge.http.FailureKind;
import io.sppo4j.model.judge.http.HttpJudgeObserver;

/** Judge workers' metrics, labelled by judge; the HTTP judge's request metrics, labelled by its name. */
public final class JudgeMetrics {

    /** {@code reason} of a group whose judge stayed unavailable after every retry. */
    public static final String UNAVAILABLE = "unavailable";
    /** {@code reason} of a group whose judge threw anything else or returned an invalid matrix. */
    public static final String ERROR = "error";

    final Counter comparisons;
    final Counter groups;
    final Histogram intransitiveTriadShare;
    final Counter failures;
    final Histogram groupSeconds;
    final Counter httpRequests;
    final Histogram httpRequestSeconds;
    final Counter httpRetries;
    final Counter httpGaveUp;
    final Counter httpCacheHits;

    JudgeMetrics(PrometheusRegistry registry) {
        comparisons = Counter.builder().name("sppo_judge_comparisons_total")
                .help("Ordered response pairs judged.").labelNames("judge").register(registry);
        groups = Counter.builder().name("sppo_judge_groups_total")
                .help("Rollout groups judged.").labelNames("judge").register(registry);
        intransitiveTriadShare = Histogram.builder().name("sppo_judge_intransitive_triad_share")
                .help("Per group, the share of response triples the judge ranked in a cycle.").labelNames("judge")
                .classicUpperBounds(0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0).register(registry);
        failures = Counter.builder().name("sppo_judge_failures_total")
                .help("Rollout groups the judge could not judge; each one's credit went back to the learner.")
                .labelNames("judge", "reason").register(registry);
        groupSeconds = Histogram.builder().name("sppo_judge_group_seconds")
                .help("Time to judge one group, failures included.").labelNames("judge")
                .classicExponentialUpperBounds(0.001, 2, 18).register(registry);
        httpRequests = Counter.builder().name("sppo_judge_http_requests_total")
                .help("Requests the HTTP judge sent, retries included.").labelNames("judge").register(registry);
        httpRequestSeconds = Histogram.builder().name("sppo_judge_http_request_seconds")
                .help("Latency of one HTTP judge request, whatever its outcome.").labelNames("judge")
                .classicExponentialUpperBounds(0.01, 2, 14).register(registry);
        httpRetries = Counter.builder().name("sppo_judge_http_retries_total")
                .help("HTTP judge requests that failed and were sent again, by cause.")
                .labelNames("judge", "cause").register(registry);
        httpGaveUp = Counter.builder().name("sppo_judge_http_gave_up_total")
                .help("HTTP judge questions that stayed unanswered after every attempt, by last cause.")
                .labelNames("judge", "cause").register(registry);
        httpCacheHits = Counter.builder().name("sppo_judge_http_cache_hits_total")
                .help("HTTP judge questions answered from its cache, without a request.")
                .labelNames("judge").register(registry);
    }

    public void judged(String judge, int groupSize, double cyclicShare) {
        groups.labelValues(judge).inc();
        comparisons.labelValues(judge).inc((long) groupSize * (groupSize - 1));
        if (!Double.isNaN(cyclicShare)) {
            intransitiveTriadShare.labelValues(judge).observe(cyclicShare);
        }
    }

    /** A group went back to the learner unjudged; {@code reason} is {@link #UNAVAILABLE} or {@link #ERROR}. */
    public void failed(String judge, String reason) {
        failures.labelValues(judge, reason).inc();
    }

    public void timed(String judge, double seconds) {
        groupSeconds.labelValues(judge).observe(seconds);
    }

    /** The observer to give an HTTP judge ({@code Judges.fromConfig}), feeding the {@code sppo_judge_http_*} metrics. */
    public HttpJudgeObserver httpObserver() {
        return new HttpJudgeObserver() {
            @Override
            public void requestEnded(String judge, double seconds) {
                httpRequests.labelValues(judge).inc();
                httpRequestSeconds.labelValues(judge).observe(seconds);
            }

            @Override
            public void retrying(String judge, FailureKind cause) {
                httpRetries.labelValues(judge, cause.label()).inc();
            }

            @Override
            public void gaveUp(String judge, FailureKind cause) {
                httpGaveUp.labelValues(judge, cause.label()).inc();
            }

            @Override
            public void cacheHit(String judge) {
                httpCacheHits.labelValues(judge).inc();
            }
        };
    }
}
