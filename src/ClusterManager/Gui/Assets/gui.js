// The GUI's only script, a file rather than inline handlers so the Content-Security-Policy
// can forbid inline script: confirmations for destructive forms, and the mode switch.
document.addEventListener('submit', (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener('change', (event) => {
  if (event.target.matches('select[data-submit-on-change]')) {
    event.target.form.submit();
  }
});
