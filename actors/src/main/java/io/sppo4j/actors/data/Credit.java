package io.sppo4j.actors.data;

/**
 * Permission to produce one group: the learner hands credits out so that groups in flight plus
 * groups buffered never exceed its capacity. The learner owns the prompt stream, so each
 * credit names the prompt to sample (dataset order and epochs stay exact across workers).
 *
 * @param id unique per learner incarnation; the judged group returns it
 * @param prompt the prompt to sample K responses for
 */
public record Credit(long id, String prompt) {}
