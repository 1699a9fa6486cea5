// Watch page behaviour: copy the stream link, and say so when the browser cannot play the file.
(() => {
  const media = document.querySelector('[data-media]');
  const playbackError = document.getElementById('playback-error');
  if (media && playbackError) {
    const show = () => { playbackError.hidden = false; };
    // The error may have happened before this deferred script ran.
    if (media.error) show();
    media.addEventListener('error', show);
  }

  const status = document.querySelector('[data-copy-status]');
  const linkInput = document.querySelector('[data-link]');
  const say = (text) => { if (status) status.textContent = text; };
  for (const button of document.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', async () => {
      const text = button.getAttribute('data-copy') || '';
      try {
        // The Clipboard API needs a secure context (https or localhost).
        await navigator.clipboard.writeText(text);
        say('Stream link copied.');
      } catch {
        if (linkInput) {
          linkInput.focus();
          linkInput.select();
        }
        say(document.execCommand && document.execCommand('copy') ? 'Stream link copied.' : 'Select the link below and copy it.');
      }
    });
  }
})();
