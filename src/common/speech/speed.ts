/**
 * The speaking speed every engine accepts and StoryFlow's `tts_speed` allows: 1.0 is the
 * engine's own rate. One fact, used by the settings rules, the preview, the CLI and the engines.
 */
export const SPEED_MIN = 0.5;
export const SPEED_MAX = 2.0;
