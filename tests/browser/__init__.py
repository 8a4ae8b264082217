"""Browser tests: headless Chromium driven over the Chrome DevTools Protocol."""
