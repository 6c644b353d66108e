/* thads-reports: start reveal.js on the deck, unless the screen is a phone's (then the slides are a page that
   scrolls, html.flow). Keys: arrows, Page Up/Down, space, Home/End; touch: swipe. No request leaves the page. */
(function () {
  "use strict";
  var deck = document.getElementById("deck");
  var root = document.documentElement;
  if (!deck || typeof Reveal !== "function" || window.matchMedia("(max-width: 700px)").matches) {
    root.classList.add("flow");
    return;
  }
  root.classList.remove("flow");
  deck.classList.add("reveal");
  new Reveal(deck, {
    width: 1280, height: 720, margin: 0.04, center: false, hash: true, history: false, respondToHashChanges: true,
    controls: true, controlsTutorial: false, progress: true, slideNumber: "c/t", keyboard: true, touch: true,
    transition: "none", backgroundTransition: "none", fragments: false, autoAnimate: false, previewLinks: false,
    help: false, pause: false, postMessage: false, postMessageEvents: false, embedded: false, viewDistance: 2,
    scrollActivationWidth: 0, plugins: []
  }).initialize();
})();
