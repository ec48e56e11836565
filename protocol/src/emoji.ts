/**
 * Reactions: one Unicode emoji, or a `:shortcode:` from {@link SHORTCODES} (stored as its emoji, so
 * `:thumbsup:` and 👍 are one reaction). The web app's picker offers the same list, with its names.
 */

/** The shortcodes the platform ships: name → emoji. Names are what the picker's search matches. */
export const SHORTCODES: Readonly<Record<string, string>> = Object.freeze({
  thumbsup: '👍',
  thumbsdown: '👎',
  heart: '❤️',
  joy: '😂',
  smile: '😄',
  grin: '😁',
  wink: '😉',
  thinking: '🤔',
  eyes: '👀',
  tada: '🎉',
  fire: '🔥',
  rocket: '🚀',
  clap: '👏',
  pray: '🙏',
  ok_hand: '👌',
  wave: '👋',
  muscle: '💪',
  cry: '😢',
  sob: '😭',
  angry: '😠',
  scream: '😱',
  sunglasses: '😎',
  100: '💯',
  check: '✅',
  x: '❌',
  warning: '⚠️',
  question: '❓',
  star: '⭐',
  sparkles: '✨',
  bulb: '💡',
  coffee: '☕',
  pizza: '🍕',
  beer: '🍺',
  party: '🥳',
  upside_down: '🙃',
  facepalm: '🤦',
  shrug: '🤷',
  raised_hands: '🙌',
  plus1: '➕',
  white_check_mark: '☑️',
});

/** Most UTF-8 bytes of one reaction emoji (a family or a flag sequence fits; a paragraph does not). */
export const EMOJI_MAX_BYTES = 32;

// Built at run time: the `v` flag (RGI_Emoji, the emoji property over whole sequences) is newer than
// the compile target, and every runtime the platform supports (Node 20, evergreen browsers) has it.
const ONE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
const SHORTCODE = /^:([a-z0-9_+-]{1,32}):$/;

/**
 * The emoji a reaction input stands for, or undefined when it is neither one emoji (one grapheme
 * cluster of the emoji property, at most {@link EMOJI_MAX_BYTES} bytes) nor a known shortcode.
 */
export function normalizeEmoji(input: string): string | undefined {
  const code = SHORTCODE.exec(input)?.[1];
  if (code !== undefined) return Object.prototype.hasOwnProperty.call(SHORTCODES, code) ? SHORTCODES[code] : undefined;
  if (new TextEncoder().encode(input).length > EMOJI_MAX_BYTES) return undefined;
  return ONE_EMOJI.test(input) ? input : undefined;
}
