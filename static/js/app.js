// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  const switcher = document.querySelector("[data-plan-switcher]");
  if (switcher) switcher.addEventListener("change", () => { if (switcher.value) window.location = switcher.value; });
  document.querySelectorAll("[data-demo-user]").forEach((button) => {
    button.addEventListener("click", () => {
      document.getElementById("id_username").value = button.dataset.demoUser;
      document.getElementById("id_password").value = button.dataset.demoPassword;
      document.getElementById("id_password").focus();
    });
  });
});
