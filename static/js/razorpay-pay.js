// Opens Razorpay's Checkout for the order on the pay page (orders/pay.html); its
// answer is posted to our callback, which verifies the signature before anything
// counts as paid. No inline script: the page's CSP allows only files.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("razorpay-checkout");
    var button = document.getElementById("razorpay-pay");
    var form = document.getElementById("razorpay-callback");
    var failure = document.getElementById("razorpay-failure");
    if (!box || !button || !form || typeof window.Razorpay !== "function") return;
    var data = box.dataset;
    var checkout = new window.Razorpay({
      key: data.key,
      order_id: data.order,
      amount: data.amount,
      currency: data.currency,
      name: "Threadline",
      description: data.description,
      prefill: { name: data.name, email: data.email, contact: data.contact },
      handler: function (answer) {
        form.elements.razorpay_payment_id.value = answer.razorpay_payment_id;
        form.elements.razorpay_order_id.value = answer.razorpay_order_id;
        form.elements.razorpay_signature.value = answer.razorpay_signature;
        form.submit();
      },
    });
    checkout.on("payment.failed", function (answer) {
      failure.textContent = (answer.error && answer.error.description) ||
        "The payment did not go through. You can try again.";
      failure.hidden = false;
    });
    button.disabled = false;
    button.addEventListener("click", function () {
      failure.hidden = true;
      checkout.open();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
