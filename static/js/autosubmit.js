// Sends a form marked data-autosubmit as soon as the page loads (LTI messages back to a
// platform); without JavaScript the form's own button does it.
"use strict";
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
