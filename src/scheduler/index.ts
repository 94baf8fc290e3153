/** Schedule math for image pipelines: parse once, then ask when the next run is. */
export { nextRun, runsBetween } from './next-run.js';
export {
  type CronSchedule,
  DEFAULT_TIMEZONE,
  parseSchedule,
  type RateSchedule,
  type ScheduleExpression,
  validateTimezone,
} from './schedule.js';
