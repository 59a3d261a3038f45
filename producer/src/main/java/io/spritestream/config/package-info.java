/**
 * Settings declared once: {@link Setting} (name, default, what it accepts, doc), the messages that
 * name settings ({@link SettingText}, {@link InvalidSettingException}, {@link SettingsFailure}) and
 * {@link Sizes}. Every module declares its settings with these; start at {@link Setting}.
 *
 * <p>Shared by both jars; uses no other spritestream package and no outside library.
 */
package io.spritestream.config;
