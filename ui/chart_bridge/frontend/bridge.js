// bnviz live chart bridge: one plot div per chart for the chart's whole life, updated in place.
//
// Streamlit (components v2) calls the default export on mount and again whenever the Python side
// sends new data; the component's HTML is inserted once and kept. So this module is idempotent:
// the first call builds the plot div, every later call only hands the newest figure to Plotly.react.
//
// data: UTF-8 JSON bytes {figure: {data, layout}, config, height, plotlySrc, streamlitTheme}.

const PLOTLY_KEY = "__bnvizPlotlyPromise";
const STATE_KEY = "__bnvizLiveChart";

// plotly.js is 4.6 MB: load it once per page with one <script> tag, shared by every chart.
function loadPlotly(src) {
  if (!window[PLOTLY_KEY]) {
    window[PLOTLY_KEY] = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.dataset.bnvizPlotly = "1";
      script.onload = () => {
        if (window.Plotly && typeof window.Plotly.react === "function") {
          resolve(window.Plotly);
        } else {
          reject(new Error(`${src} loaded but defined no window.Plotly`));
        }
      };
      script.onerror = () => {
        // Forget the failure so the next refresh tries again (e.g. after a server restart).
        delete window[PLOTLY_KEY];
        script.remove();
        reject(new Error(`could not load plotly.js from ${src}`));
      };
      document.head.appendChild(script);
    });
  }
  return window[PLOTLY_KEY];
}

// --- Streamlit's chart theme ---------------------------------------------------------------------
// Importing streamlit makes its "streamlit" plotly template the default, and that template holds
// temporary colours #000001..#000040 which st.plotly_chart swaps for the app theme's colours in the
// browser. Figures built in this app carry them too, so do the same swap here from the theme's
// CSS variables (--st-*), which Streamlit sets around every v2 component; then the live charts
// match the app's other charts, light or dark. Fallbacks are Streamlit's light-theme colours.
const PLACEHOLDER = /#0000([0-4][0-9])/g;
const FALLBACK = {
  categorical: "#0068c9,#83c9ff,#ff2b2b,#ffabab,#29b09d,#7defa1,#ff8700,#ffd16a,#6d3fc0,#d5dae5",
  sequential: "#e4f5ff,#c7ebff,#a6dcff,#83c9ff,#60b4ff,#3d9df3,#1c83e1,#0068c9,#0054a3,#004280",
  diverging: "#7d353b,#bd4043,#ff4b4b,#ff8c8c,#ffc7c7,#a6dcff,#60b4ff,#1c83e1,#0054a3,#004280",
};

function readTheme(element) {
  const css = getComputedStyle(element);
  const v = (name, fallback) => css.getPropertyValue(`--st-${name}`).trim() || fallback;
  const list = (name) => v(`chart-${name}-colors`, FALLBACK[name]).split(",").map((c) => c.trim());
  return {
    categorical: list("categorical"),
    sequential: list("sequential"),
    diverging: list("diverging"),
    text: v("text-color", "#31333F"),
    heading: v("heading-color", "#31333F"),
    background: v("background-color", "#FFFFFF"),
    secondary: v("secondary-background-color", "#F0F2F6"),
    grid: v("border-color-light", "rgba(49, 51, 63, 0.1)"),
    font: v("font", "sans-serif"),
    headingFont: v("heading-font", "sans-serif"),
    green: v("green-color", "#29b09d"),
    red: v("red-color", "#ff2b2b"),
    blue: v("blue-color", "#0068c9"),
    gray: v("gray-color", "#808495"),
  };
}

// Placeholder number -> colour, following streamlit/elements/lib/streamlit_plotly_theme.py.
function placeholderColors(theme) {
  const table = {};
  for (let i = 0; i < 10; i += 1) {
    table[1 + i] = theme.categorical[i % theme.categorical.length];
    table[11 + i] = theme.sequential[i % theme.sequential.length];
    table[21 + i] = theme.diverging[i % theme.diverging.length];
  }
  Object.assign(table, {
    32: theme.green, // increasing
    33: theme.red, // decreasing
    34: theme.blue, // total
    35: theme.gray,
    36: theme.text, // gray 70
    37: theme.text, // gray 90
    38: theme.background,
    39: theme.grid, // faded text 05
    40: theme.secondary, // background mix
  });
  return table;
}

// Layout defaults go into template.layout, so anything the figure sets itself still wins. Like
// st.plotly_chart: small outer margins, and axes that make room for their own labels (automargin),
// so a 300 px chart is mostly plot, not padding.
function themeLayout(theme, hasTitle) {
  const axis = { gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid };
  return {
    font: { family: theme.font, color: theme.text },
    title: { font: { family: theme.headingFont, color: theme.heading } },
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    margin: { l: 0, r: 0, t: hasTitle ? 40 : 10, b: 0, pad: 8 },
    // An explicit standoff lets automargin make room for the axis title beside the tick labels.
    xaxis: { ...axis, automargin: true, title: { standoff: 8 } },
    yaxis: { ...axis, automargin: true, title: { standoff: 12 } },
    legend: { bgcolor: "rgba(0,0,0,0)" },
  };
}

// The placeholders live in the figure's template only (that is where Streamlit puts them), so only
// the template (~7 kB) is re-coloured, not the data.
function decodeMessage(data, element) {
  const message = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
  const layout = message.figure.layout;
  if (message.streamlitTheme && layout.template) {
    const theme = readTheme(element);
    const table = placeholderColors(theme);
    const recoloured = JSON.stringify(layout.template).replace(
      PLACEHOLDER,
      (match, n) => table[Number(n)] || match,
    );
    const template = JSON.parse(recoloured);
    const hasTitle = Boolean(layout.title && layout.title.text);
    template.layout = { ...themeLayout(theme, hasTitle), ...(template.layout || {}) };
    layout.template = template;
  }
  return message;
}

// --- the chart -----------------------------------------------------------------------------------
function createState(root) {
  const plot = document.createElement("div");
  plot.className = "bnviz-plot";
  const note = document.createElement("div");
  note.className = "bnviz-note";
  note.textContent = "Loading chart…";
  root.replaceChildren(plot, note);

  const state = { root, plot, note, latest: null, busy: false, plotted: false, width: 0 };
  // Follow the column's width (window resize, sidebar toggle), never the height: it is fixed so
  // the page does not jump. Only a real width change triggers a relayout.
  state.resizer = new ResizeObserver((entries) => {
    const width = Math.round(entries[0].contentRect.width);
    if (!state.plotted || width === state.width || width === 0) return;
    state.width = width;
    window.Plotly.Plots.resize(plot).catch(() => {});
  });
  state.resizer.observe(root);
  root[STATE_KEY] = state;
  return state;
}

function showError(state, error) {
  state.note.textContent = `Chart not updated: ${error.message}`;
  state.note.classList.add("bnviz-error");
  console.warn("bnviz live chart:", error);
}

// Draw the newest figure; figures that arrive while a draw is running are coalesced, so a slow
// browser skips intermediate frames instead of queueing them up and falling behind.
async function pump(state) {
  if (state.busy) return;
  state.busy = true;
  try {
    while (state.latest) {
      const message = state.latest;
      state.latest = null;
      try {
        const Plotly = await loadPlotly(message.plotlySrc);
        const { data, layout } = message.figure;
        await Plotly.react(state.plot, data, layout, message.config);
        if (!state.plotted) {
          state.plotted = true;
          state.width = Math.round(state.root.getBoundingClientRect().width);
        }
        state.note.textContent = "";
        state.note.classList.remove("bnviz-error");
      } catch (error) {
        showError(state, error);
      }
    }
  } finally {
    state.busy = false;
  }
}

export default function liveChart(component) {
  const root = component.parentElement.querySelector(".bnviz-live-chart");
  if (!root) return undefined;
  const state = root[STATE_KEY] || createState(root);
  try {
    const message = decodeMessage(component.data, root);
    root.style.height = `${message.height}px`;
    state.latest = message;
  } catch (error) {
    showError(state, error);
    return undefined;
  }
  pump(state);

  // Streamlit calls the cleanup of the latest render when the element unmounts, but also the
  // cleanup of a render that was superseded before it finished. Only tear down once the chart has
  // really left the page.
  return () => {
    setTimeout(() => {
      if (root.isConnected) return;
      state.resizer.disconnect();
      if (window.Plotly) window.Plotly.purge(state.plot);
      delete root[STATE_KEY];
    }, 0);
  };
}
