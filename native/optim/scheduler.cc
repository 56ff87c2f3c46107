// The schedulers keep PyTorch's recursive ("chainable") form: each step
// derives the new lr from the group's current lr, as get_lr() does. The
// closed forms give the same values only up to rounding, and chained and
// sequential schedulers depend on the recursion seeing the current lr, so
// the recursion is what reproduces PyTorch's numbers bit for bit. The closed
// forms are used where PyTorch uses them: SequentialLR's step(0) at a
// milestone.
#include "scheduler.h"

#include <algorithm>
#include <cmath>

#include "kernel_util.h"

namespace gs::optim {
namespace {

constexpr double kPi = 3.14159265358979323846;

double& lr_of(Group& g) {
  auto it = g.h.find("lr");
  if (it == g.h.end() || it->second.kind != Opt::Kind::Number) throw ValueError("internal: group without lr");
  return it->second.num;
}

double get_num(const Group& g, const std::string& k) { return num(g.h, k); }
void set_num(Group& g, const std::string& k, double v) { g.h[k] = Opt::number(v); }

// A number or one number per group (PyTorch's _format_param).
std::vector<double> per_group(const Options& o, const std::string& k, size_t n) {
  const Opt& v = o.at(k);
  if (v.kind == Opt::Kind::Numbers) {
    require(v.nums.size() == n, "expected " + std::to_string(n) + " values for " + k + ", got " + std::to_string(v.nums.size()));
    return v.nums;
  }
  return std::vector<double>(n, v.num);
}

class LRScheduler : public Scheduler {
 public:
  explicit LRScheduler(std::vector<Group>& groups) : groups_(groups) {}
  // PyTorch's _LRScheduler.__init__ with last_epoch=-1 (virtual calls are
  // not possible in a C++ constructor, so the factory calls this).
  virtual void start() {
    for (auto& g : groups_)
      if (!g.h.count("initial_lr")) g.h["initial_lr"] = Opt::number(lr_of(g));
    base_lrs_.clear();
    for (auto& g : groups_) base_lrs_.push_back(get_num(g, "initial_lr"));
    last_epoch_ = -1;
    initial_step();
  }
  void initial_step() {
    step_count_ = 0;
    step_epoch(false, 0);
  }
  void step(double) override { step_epoch(false, 0); }
  virtual void step_epoch(bool has_epoch, double epoch) {
    ++step_count_;
    std::vector<double> v;
    if (!has_epoch) {
      last_epoch_ += 1;
      v = get_lr();
    } else {
      last_epoch_ = epoch;
      if (!closed_form(v)) v = get_lr();
    }
    for (size_t i = 0; i < groups_.size(); ++i) lr_of(groups_[i]) = v[i];
  }
  double last_epoch_ = -1;

 protected:
  virtual std::vector<double> get_lr() = 0;
  virtual bool closed_form(std::vector<double>&) { return false; }
  std::vector<double> current() {
    std::vector<double> v;
    for (auto& g : groups_) v.push_back(lr_of(g));
    return v;
  }
  template <class F>
  std::vector<double> map_lr(F f) {
    std::vector<double> v;
    for (size_t i = 0; i < groups_.size(); ++i) v.push_back(f(lr_of(groups_[i]), base_lrs_[i]));
    return v;
  }
  std::vector<Group>& groups_;
  std::vector<double> base_lrs_;
  int step_count_ = 0;
};

class StepLR : public LRScheduler {
 public:
  StepLR(std::vector<Group>& g, const Options& o) : LRScheduler(g), step_size_(num(o, "step_size")), gamma_(num(o, "gamma")) {
    require(step_size_ >= 1, "step_size must be a positive integer");
  }
  std::vector<double> get_lr() override {
    const auto e = static_cast<int64_t>(last_epoch_), s = static_cast<int64_t>(step_size_);
    if (e == 0 || e % s != 0) return current();
    return map_lr([&](double lr, double) { return lr * gamma_; });
  }
  bool closed_form(std::vector<double>& v) override {
    v = map_lr([&](double, double base) { return base * std::pow(gamma_, std::floor(last_epoch_ / step_size_)); });
    return true;
  }
  double step_size_, gamma_;
};

class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(std::vector<Group>& g, const Options& o) : LRScheduler(g), milestones_(o.at("milestones").nums), gamma_(num(o, "gamma")) {}
  std::vector<double> get_lr() override {
    const auto n = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
    if (n == 0) return current();
    return map_lr([&](double lr, double) { return lr * std::pow(gamma_, static_cast<double>(n)); });
  }
  bool closed_form(std::vector<double>& v) override {
    std::vector<double> m = milestones_;
    std::sort(m.begin(), m.end());
    const auto k = std::upper_bound(m.begin(), m.end(), last_epoch_) - m.begin();
    v = map_lr([&](double, double base) { return base * std::pow(gamma_, static_cast<double>(k)); });
    return true;
  }
  std::vector<double> milestones_;
  double gamma_;
};

class ConstantLR : public LRScheduler {
 public:
  ConstantLR(std::vector<Group>& g, const Options& o) : LRScheduler(g), factor_(num(o, "factor")), total_(num(o, "total_iters")) {
    require(factor_ <= 1.0 && factor_ >= 0, "Constant multiplicative factor expected to be between 0 and 1.");
  }
  std::vector<double> get_lr() override {
    if (last_epoch_ == 0) return map_lr([&](double lr, double) { return lr * factor_; });
    if (last_epoch_ > total_ || last_epoch_ != total_) return current();
    return map_lr([&](double lr, double) { return lr * (1.0 / factor_); });
  }
  bool closed_form(std::vector<double>& v) override {
    v = map_lr([&](double, double base) { return base * (factor_ + (last_epoch_ >= total_ ? 1.0 : 0.0) * (1 - factor_)); });
    return true;
  }
  double factor_, total_;
};

class LinearLR : public LRScheduler {
 public:
  LinearLR(std::vector<Group>& g, const Options& o)
      : LRScheduler(g), start_(num(o, "start_factor")), end_(num(o, "end_factor")), total_(num(o, "total_iters")) {
    require(start_ <= 1.0 && start_ >= 0, "Starting multiplicative factor expected to be between 0 and 1.");
    require(end_ <= 1.0 && end_ >= 0, "Ending multiplicative factor expected to be between 0 and 1.");
  }
  std::vector<double> get_lr() override {
    if (last_epoch_ == 0) return map_lr([&](double lr, double) { return lr * start_; });
    if (last_epoch_ > total_) return current();
    return map_lr([&](double lr, double) {
      return lr * (1. + (end_ - start_) / (total_ * start_ + (last_epoch_ - 1) * (end_ - start_)));
    });
  }
  bool closed_form(std::vector<double>& v) override {
    v = map_lr([&](double, double base) { return base * (start_ + (end_ - start_) * std::min(total_, last_epoch_) / total_); });
    return true;
  }
  double start_, end_, total_;
};

class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(std::vector<Group>& g, const Options& o) : LRScheduler(g), gamma_(num(o, "gamma")) {}
  std::vector<double> get_lr() override {
    if (last_epoch_ == 0) return current();
    return map_lr([&](double lr, double) { return lr * gamma_; });
  }
  bool closed_form(std::vector<double>& v) override {
    v = map_lr([&](double, double base) { return base * std::pow(gamma_, last_epoch_); });
    return true;
  }
  double gamma_;
};

class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(std::vector<Group>& g, const Options& o) : LRScheduler(g), total_(num(o, "total_iters")), power_(num(o, "power")) {}
  std::vector<double> get_lr() override {
    if (last_epoch_ == 0 || last_epoch_ > total_) return current();
    const double f = std::pow((1.0 - last_epoch_ / total_) / (1.0 - (last_epoch_ - 1) / total_), power_);
    return map_lr([&](double lr, double) { return lr * f; });
  }
  bool closed_form(std::vector<double>& v) override {
    v = map_lr([&](double, double base) { return base * std::pow(1.0 - std::min(total_, last_epoch_) / total_, power_); });
    return true;
  }
  double total_, power_;
};

class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(std::vector<Group>& g, const Options& o) : LRScheduler(g), T_max_(num(o, "T_max")), eta_min_(num(o, "eta_min")) {
    require(T_max_ != 0, "T_max must not be 0");
  }
  std::vector<double> get_lr() override {
    const double e = last_epoch_;
    if (e == 0) return current();
    if (step_count_ == 1 && e > 0)
      return map_lr([&](double, double base) { return eta_min_ + (base - eta_min_) * (1 + std::cos(e * kPi / T_max_)) / 2; });
    if (std::fmod(std::fmod(e - 1 - T_max_, 2 * T_max_) + 2 * T_max_, 2 * T_max_) == 0)
      return map_lr([&](double lr, double base) { return lr + (base - eta_min_) * (1 - std::cos(kPi / T_max_)) / 2; });
    return map_lr([&](double lr, double) {
      return (1 + std::cos(kPi * e / T_max_)) / (1 + std::cos(kPi * (e - 1) / T_max_)) * (lr - eta_min_) + eta_min_;
    });
  }
  bool closed_form(std::vector<double>& v) override {
    v = map_lr([&](double, double base) { return eta_min_ + (base - eta_min_) * (1 + std::cos(kPi * last_epoch_ / T_max_)) / 2; });
    return true;
  }
  double T_max_, eta_min_;
};

class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(std::vector<Group>& g, const Options& o)
      : LRScheduler(g), T_0_(num(o, "T_0")), T_i_(T_0_), T_mult_(num(o, "T_mult")), eta_min_(num(o, "eta_min")), T_cur_(-1) {
    require(T_0_ > 0, "Expected positive integer T_0, but got " + std::to_string(static_cast<int64_t>(T_0_)));
    require(T_mult_ >= 1, "Expected integer T_mult >= 1, but got " + std::to_string(static_cast<int64_t>(T_mult_)));
  }
  std::vector<double> get_lr() override {
    return map_lr([&](double, double base) { return eta_min_ + (base - eta_min_) * (1 + std::cos(kPi * T_cur_ / T_i_)) / 2; });
  }
  void step_epoch(bool has_epoch, double epoch) override {
    if (!has_epoch && last_epoch_ < 0) {
      has_epoch = true;
      epoch = 0;
    }
    if (!has_epoch) {
      epoch = last_epoch_ + 1;
      T_cur_ += 1;
      if (T_cur_ >= T_i_) {
        T_cur_ -= T_i_;
        T_i_ *= T_mult_;
      }
    } else if (epoch >= T_0_) {
      if (T_mult_ == 1) {
        T_cur_ = std::fmod(epoch, T_0_);
      } else {
        const double n = std::floor(std::log(epoch / T_0_ * (T_mult_ - 1) + 1) / std::log(T_mult_));
        T_cur_ = epoch - T_0_ * (std::pow(T_mult_, n) - 1) / (T_mult_ - 1);
        T_i_ = T_0_ * std::pow(T_mult_, n);
      }
    } else {
      T_i_ = T_0_;
      T_cur_ = epoch;
    }
    last_epoch_ = std::floor(epoch);
    const auto v = get_lr();
    for (size_t i = 0; i < groups_.size(); ++i) lr_of(groups_[i]) = v[i];
  }
  double T_0_, T_i_, T_mult_, eta_min_, T_cur_;
};

bool has_hyper(const OptimizerDef& opt, const std::string& k) {
  return std::any_of(opt.hypers.begin(), opt.hypers.end(), [&](const HyperDef& d) { return d.name == k; });
}

class CyclicLR : public LRScheduler {
 public:
  CyclicLR(std::vector<Group>& g, const Options& o, const OptimizerDef& opt) : LRScheduler(g) {
    const size_t n = g.size();
    base_lrs_arg_ = per_group(o, "base_lr", n);
    for (size_t i = 0; i < n; ++i) lr_of(g[i]) = base_lrs_arg_[i];
    max_lrs_ = per_group(o, "max_lr", n);
    const double up = num(o, "step_size_up");
    const double down = is_null(o, "step_size_down") ? up : num(o, "step_size_down");
    total_ = up + down;
    ratio_ = up / total_;
    mode_ = str(o, "mode");
    require(mode_ == "triangular" || mode_ == "triangular2" || mode_ == "exp_range", "mode is invalid and scale_fn is None");
    gamma_ = num(o, "gamma");
    cycle_momentum_ = flag(o, "cycle_momentum");
    if (cycle_momentum_) {
      require(has_hyper(opt, "momentum"), "optimizer must support momentum with `cycle_momentum` option enabled");
      const auto bm = per_group(o, "base_momentum", n);
      for (size_t i = 0; i < n; ++i) set_num(g[i], "momentum", bm[i]);
      base_m_ = bm;
      max_m_ = per_group(o, "max_momentum", n);
    }
  }
  void start() override {
    LRScheduler::start();
    base_lrs_ = base_lrs_arg_;
  }
  double scale(double x) const {
    if (mode_ == "triangular") return 1.;
    if (mode_ == "triangular2") return 1 / std::pow(2., x - 1);
    return std::pow(gamma_, x);
  }
  std::vector<double> get_lr() override {
    const double cycle = std::floor(1 + last_epoch_ / total_);
    const double x = 1. + last_epoch_ / total_ - cycle;
    const double sf = x <= ratio_ ? x / ratio_ : (x - 1) / (ratio_ - 1);
    const double s = scale(mode_ == "exp_range" ? last_epoch_ : cycle);
    std::vector<double> lrs;
    for (size_t i = 0; i < groups_.size(); ++i) lrs.push_back(base_lrs_[i] + (max_lrs_[i] - base_lrs_[i]) * sf * s);
    if (cycle_momentum_)
      for (size_t i = 0; i < groups_.size(); ++i) set_num(groups_[i], "momentum", max_m_[i] - (max_m_[i] - base_m_[i]) * sf * s);
    return lrs;
  }
  std::vector<double> base_lrs_arg_, max_lrs_, base_m_, max_m_;
  double total_ = 0, ratio_ = 0, gamma_ = 1;
  std::string mode_;
  bool cycle_momentum_ = true;
};

class OneCycleLR : public LRScheduler {
 public:
  struct Phase {
    double end_step;
    const char *start_lr, *end_lr, *start_m, *end_m;
  };
  OneCycleLR(std::vector<Group>& g, const Options& o, const OptimizerDef& opt) : LRScheduler(g) {
    if (!is_null(o, "total_steps")) {
      total_ = num(o, "total_steps");
      require(total_ > 0, "Expected positive integer total_steps, but got " + std::to_string(static_cast<int64_t>(total_)));
    } else {
      require(!is_null(o, "epochs") && !is_null(o, "steps_per_epoch"), "You must define either total_steps OR (epochs AND steps_per_epoch)");
      const double ep = num(o, "epochs"), spe = num(o, "steps_per_epoch");
      require(ep > 0, "Expected positive integer epochs, but got " + std::to_string(static_cast<int64_t>(ep)));
      require(spe > 0, "Expected positive integer steps_per_epoch, but got " + std::to_string(static_cast<int64_t>(spe)));
      total_ = ep * spe;
    }
    const double pct = num(o, "pct_start");
    if (flag(o, "three_phase"))
      phases_ = {{pct * total_ - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
                 {2 * pct * total_ - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
                 {total_ - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"}};
    else
      phases_ = {{pct * total_ - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
                 {total_ - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"}};
    require(pct >= 0 && pct <= 1, "Expected float between 0 and 1 pct_start, but got " + pyfloat(pct));
    const std::string& a = str(o, "anneal_strategy");
    require(a == "cos" || a == "linear", "anneal_strategy must by one of 'cos' or 'linear', instead got " + a);
    cos_ = a == "cos";
    const size_t n = g.size();
    const auto max_lrs = per_group(o, "max_lr", n);
    const double div = num(o, "div_factor"), final_div = num(o, "final_div_factor");
    for (size_t i = 0; i < n; ++i) {
      set_num(g[i], "initial_lr", max_lrs[i] / div);
      set_num(g[i], "max_lr", max_lrs[i]);
      set_num(g[i], "min_lr", get_num(g[i], "initial_lr") / final_div);
    }
    cycle_momentum_ = flag(o, "cycle_momentum");
    if (cycle_momentum_) {
      require(has_hyper(opt, "momentum") || has_hyper(opt, "betas"), "optimizer must support momentum with `cycle_momentum` option enabled");
      use_beta1_ = has_hyper(opt, "betas");
      const auto mx = per_group(o, "max_momentum", n), bm = per_group(o, "base_momentum", n);
      for (size_t i = 0; i < n; ++i) {
        set_momentum(g[i], mx[i]);
        set_num(g[i], "max_momentum", mx[i]);
        set_num(g[i], "base_momentum", bm[i]);
      }
    }
  }
  void set_momentum(Group& g, double m) {
    if (use_beta1_) g.h["betas"].nums.at(0) = m;
    else set_num(g, "momentum", m);
  }
  double anneal(double s, double e, double pct) const {
    if (cos_) return e + (s - e) / 2.0 * (std::cos(kPi * pct) + 1);
    return (e - s) * pct + s;
  }
  std::vector<double> get_lr() override {
    const double step_num = last_epoch_;
    require(step_num <= total_, "Tried to step " + std::to_string(static_cast<int64_t>(step_num) + 1) +
                                    " times. The specified number of total steps is " + std::to_string(static_cast<int64_t>(total_)));
    std::vector<double> lrs;
    for (auto& g : groups_) {
      double start = 0, lr = 0, m = 0;
      for (size_t i = 0; i < phases_.size(); ++i) {
        const Phase& ph = phases_[i];
        if (step_num <= ph.end_step || i == phases_.size() - 1) {
          const double pct = (step_num - start) / (ph.end_step - start);
          lr = anneal(get_num(g, ph.start_lr), get_num(g, ph.end_lr), pct);
          if (cycle_momentum_) m = anneal(get_num(g, ph.start_m), get_num(g, ph.end_m), pct);
          break;
        }
        start = ph.end_step;
      }
      lrs.push_back(lr);
      if (cycle_momentum_) set_momentum(g, m);
    }
    return lrs;
  }
  double total_ = 0;
  std::vector<Phase> phases_;
  bool cos_ = true, cycle_momentum_ = true, use_beta1_ = false;
};

class ReduceLROnPlateau : public Scheduler {
 public:
  ReduceLROnPlateau(std::vector<Group>& g, const Options& o) : groups_(g) {
    factor_ = num(o, "factor");
    require(factor_ < 1.0, "Factor should be < 1.0.");
    min_lrs_ = per_group(o, "min_lr", g.size());
    patience_ = num(o, "patience");
    cooldown_ = num(o, "cooldown");
    mode_ = str(o, "mode");
    threshold_ = num(o, "threshold");
    threshold_mode_ = str(o, "threshold_mode");
    eps_ = num(o, "eps");
    require(mode_ == "min" || mode_ == "max", "mode " + mode_ + " is unknown!");
    require(threshold_mode_ == "rel" || threshold_mode_ == "abs", "threshold mode " + threshold_mode_ + " is unknown!");
    best_ = mode_ == "min" ? INFINITY : -INFINITY;
  }
  bool needs_metric() const override { return true; }
  bool better(double a, double best) const {
    if (mode_ == "min" && threshold_mode_ == "rel") return a < best * (1. - threshold_);
    if (mode_ == "min") return a < best - threshold_;
    if (threshold_mode_ == "rel") return a > best * (threshold_ + 1.);
    return a > best + threshold_;
  }
  void step(double current) override {
    if (better(current, best_)) {
      best_ = current;
      bad_ = 0;
    } else {
      bad_ += 1;
    }
    if (cooldown_counter_ > 0) {
      cooldown_counter_ -= 1;
      bad_ = 0;
    }
    if (bad_ > patience_) {
      for (size_t i = 0; i < groups_.size(); ++i) {
        const double old_lr = lr_of(groups_[i]);
        const double new_lr = std::max(old_lr * factor_, min_lrs_[i]);
        if (old_lr - new_lr > eps_) lr_of(groups_[i]) = new_lr;
      }
      cooldown_counter_ = cooldown_;
      bad_ = 0;
    }
  }
  std::vector<Group>& groups_;
  double factor_, patience_, cooldown_, threshold_, eps_, best_, bad_ = 0, cooldown_counter_ = 0;
  std::vector<double> min_lrs_;
  std::string mode_, threshold_mode_;
};

std::unique_ptr<LRScheduler> make_lr(const Options& spec, std::vector<Group>& groups, const OptimizerDef& opt);

class SequentialLR : public Scheduler {
 public:
  SequentialLR(std::vector<Group>& g, const Options& o, const OptimizerDef& opt) : groups_(g) {
    for (const auto& s : o.at("schedulers").objs) subs_.push_back(make_lr(s, g, opt));
    milestones_ = o.at("milestones").nums;
    require(milestones_.size() + 1 == subs_.size(),
            "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, "
            "but got number of schedulers " + std::to_string(subs_.size()) + " and the number of milestones to be equal to " +
                std::to_string(milestones_.size()));
    last_epoch_ = 0;
    for (auto& gr : groups_) lr_of(gr) = get_num(gr, "initial_lr");
    for (auto& s : subs_) s->last_epoch_ -= 1;
    subs_[0]->initial_step();
  }
  void step(double) override {
    last_epoch_ += 1;
    const size_t idx = static_cast<size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
    if (idx > 0 && milestones_[idx - 1] == last_epoch_) subs_[idx]->step_epoch(true, 0);
    else subs_[idx]->step_epoch(false, 0);
  }
  std::vector<Group>& groups_;
  std::vector<std::unique_ptr<LRScheduler>> subs_;
  std::vector<double> milestones_;
  double last_epoch_ = 0;
};

class ChainedScheduler : public Scheduler {
 public:
  ChainedScheduler(std::vector<Group>& g, const Options& o, const OptimizerDef& opt) {
    for (const auto& s : o.at("schedulers").objs) subs_.push_back(make_lr(s, g, opt));
    require(!subs_.empty(), "chained_scheduler needs at least one scheduler");
  }
  void step(double) override {
    for (auto& s : subs_) s->step(0);
  }
  std::vector<std::unique_ptr<LRScheduler>> subs_;
};

const HyperDef kSchedulers{"schedulers", "scheduler[]", {}, true, "the schedulers, each {\"name\": ..., options}"};

std::vector<SchedulerDef>& defs() {
  static std::vector<SchedulerDef> d = {
      {"step_lr", "StepLR", "Decays the lr by gamma every step_size epochs",
       {{"step_size", "int", {}, true, "period of learning rate decay"}, {"gamma", "float", Opt::number(0.1), false, "multiplicative factor of decay"}}},
      {"multi_step_lr", "MultiStepLR", "Decays the lr by gamma at each milestone",
       {{"milestones", "int[]", {}, true, "epoch indices"}, {"gamma", "float", Opt::number(0.1), false, "multiplicative factor of decay"}}},
      {"exponential_lr", "ExponentialLR", "Decays the lr by gamma every epoch",
       {{"gamma", "float", {}, true, "multiplicative factor of decay"}}},
      {"cosine_annealing_lr", "CosineAnnealingLR", "Cosine annealing from the initial lr to eta_min over T_max epochs",
       {{"T_max", "int", {}, true, "maximum number of iterations"}, {"eta_min", "float", Opt::number(0), false, "minimum learning rate"}}},
      {"cosine_annealing_warm_restarts", "CosineAnnealingWarmRestarts", "Cosine annealing with warm restarts (SGDR)",
       {{"T_0", "int", {}, true, "number of iterations for the first restart"},
        {"T_mult", "int", Opt::number(1), false, "factor by which T_i grows after a restart"},
        {"eta_min", "float", Opt::number(0), false, "minimum learning rate"}}},
      {"linear_lr", "LinearLR", "Changes the lr linearly from start_factor to end_factor over total_iters",
       {{"start_factor", "float", Opt::number(1.0 / 3), false, "factor in the first epoch"},
        {"end_factor", "float", Opt::number(1.0), false, "factor at the end"},
        {"total_iters", "int", Opt::number(5), false, "number of iterations"}}},
      {"constant_lr", "ConstantLR", "Multiplies the lr by factor until total_iters",
       {{"factor", "float", Opt::number(1.0 / 3), false, "factor applied until the milestone"},
        {"total_iters", "int", Opt::number(5), false, "number of steps the factor applies"}}},
      {"polynomial_lr", "PolynomialLR", "Polynomial decay to zero over total_iters",
       {{"total_iters", "int", Opt::number(5), false, "number of steps the lr decays"},
        {"power", "float", Opt::number(1.0), false, "power of the polynomial"}}},
      {"one_cycle_lr", "OneCycleLR", "The 1cycle policy (momentum cycles inversely when cycle_momentum)",
       {{"max_lr", "float|float[]", {}, true, "upper learning rate boundary (or one per group)"},
        {"total_steps", "int?", {}, false, "total number of steps (or give epochs and steps_per_epoch)"},
        {"epochs", "int?", {}, false, "number of epochs"},
        {"steps_per_epoch", "int?", {}, false, "steps per epoch"},
        {"pct_start", "float", Opt::number(0.3), false, "fraction of the cycle spent increasing the lr"},
        {"anneal_strategy", "str", Opt::string("cos"), false, "'cos' or 'linear'"},
        {"cycle_momentum", "bool", Opt::boolean(true), false, "cycle momentum (or beta1) inversely to the lr"},
        {"base_momentum", "float|float[]", Opt::number(0.85), false, "lower momentum boundary"},
        {"max_momentum", "float|float[]", Opt::number(0.95), false, "upper momentum boundary"},
        {"div_factor", "float", Opt::number(25.), false, "initial_lr = max_lr / div_factor"},
        {"final_div_factor", "float", Opt::number(1e4), false, "min_lr = initial_lr / final_div_factor"},
        {"three_phase", "bool", Opt::boolean(false), false, "use a third phase that annihilates the lr"}}},
      {"cyclic_lr", "CyclicLR", "Cyclical learning rate between base_lr and max_lr (momentum cycles inversely)",
       {{"base_lr", "float|float[]", {}, true, "lower learning rate boundary"},
        {"max_lr", "float|float[]", {}, true, "upper learning rate boundary"},
        {"step_size_up", "int", Opt::number(2000), false, "iterations in the increasing half of a cycle"},
        {"step_size_down", "int?", {}, false, "iterations in the decreasing half (default: step_size_up)"},
        {"mode", "str", Opt::string("triangular"), false, "triangular, triangular2 or exp_range"},
        {"gamma", "float", Opt::number(1.), false, "constant of exp_range"},
        {"cycle_momentum", "bool", Opt::boolean(true), false, "cycle momentum inversely to the lr"},
        {"base_momentum", "float|float[]", Opt::number(0.8), false, "lower momentum boundary"},
        {"max_momentum", "float|float[]", Opt::number(0.9), false, "upper momentum boundary"}}},
      {"reduce_lr_on_plateau", "ReduceLROnPlateau", "Reduces the lr when the loss stops improving",
       {{"mode", "str", Opt::string("min"), false, "'min' or 'max'"},
        {"factor", "float", Opt::number(0.1), false, "new_lr = lr * factor"},
        {"patience", "int", Opt::number(10), false, "epochs without improvement before reducing"},
        {"threshold", "float", Opt::number(1e-4), false, "threshold for measuring the new optimum"},
        {"threshold_mode", "str", Opt::string("rel"), false, "'rel' or 'abs'"},
        {"cooldown", "int", Opt::number(0), false, "epochs to wait after a reduction"},
        {"min_lr", "float|float[]", Opt::number(0), false, "lower bound on the lr"},
        {"eps", "float", Opt::number(1e-8), false, "minimal decay applied to the lr"}}},
      {"sequential_lr", "SequentialLR", "Runs schedulers one after another, switching at the milestones",
       {kSchedulers, {"milestones", "int[]", {}, true, "epochs at which to switch to the next scheduler"}}},
      {"chained_scheduler", "ChainedScheduler", "Steps several schedulers at once, each on the lr the previous one left",
       {kSchedulers}},
  };
  return d;
}

std::string spec_name(const Options& spec) {
  auto it = spec.find("name");
  if (it == spec.end() || it->second.kind != Opt::Kind::Str) throw ValueError("a scheduler needs a 'name'");
  return it->second.str;
}

Options resolved(const Options& spec, const SchedulerDef& d) {
  Options given = spec;
  given.erase("name");
  return resolve_options(d.hypers, given, "scheduler " + d.name);
}

const SchedulerDef& def_of(const std::string& name) {
  const SchedulerDef* d = find_scheduler(name);
  if (!d) {
    std::string known;
    for (const auto& s : defs()) known += (known.empty() ? "" : ", ") + s.name;
    throw ValueError("unknown scheduler '" + name + "' (known: " + known + ")");
  }
  return *d;
}

std::unique_ptr<LRScheduler> make_lr(const Options& spec, std::vector<Group>& g, const OptimizerDef& opt) {
  const std::string name = spec_name(spec);
  const SchedulerDef& d = def_of(name);
  const Options o = resolved(spec, d);
  std::unique_ptr<LRScheduler> s;
  if (name == "step_lr") s = std::make_unique<StepLR>(g, o);
  else if (name == "multi_step_lr") s = std::make_unique<MultiStepLR>(g, o);
  else if (name == "constant_lr") s = std::make_unique<ConstantLR>(g, o);
  else if (name == "linear_lr") s = std::make_unique<LinearLR>(g, o);
  else if (name == "exponential_lr") s = std::make_unique<ExponentialLR>(g, o);
  else if (name == "polynomial_lr") s = std::make_unique<PolynomialLR>(g, o);
  else if (name == "cosine_annealing_lr") s = std::make_unique<CosineAnnealingLR>(g, o);
  else if (name == "cosine_annealing_warm_restarts") s = std::make_unique<CosineAnnealingWarmRestarts>(g, o);
  else if (name == "cyclic_lr") s = std::make_unique<CyclicLR>(g, o, opt);
  else if (name == "one_cycle_lr") s = std::make_unique<OneCycleLR>(g, o, opt);
  else throw ValueError("scheduler " + name + " cannot be used inside sequential_lr or chained_scheduler");
  s->start();
  return s;
}

}  // namespace

const std::vector<SchedulerDef>& schedulers() { return defs(); }

const SchedulerDef* find_scheduler(const std::string& name) {
  for (const auto& d : defs())
    if (d.name == name) return &d;
  return nullptr;
}

std::unique_ptr<Scheduler> make_scheduler(const Options& spec, std::vector<Group>& groups, const OptimizerDef& opt) {
  const std::string name = spec_name(spec);
  const SchedulerDef& d = def_of(name);
  if (name == "reduce_lr_on_plateau") return std::make_unique<ReduceLROnPlateau>(groups, resolved(spec, d));
  if (name == "sequential_lr") return std::make_unique<SequentialLR>(groups, resolved(spec, d), opt);
  if (name == "chained_scheduler") return std::make_unique<ChainedScheduler>(groups, resolved(spec, d), opt);
  return make_lr(spec, groups, opt);
}

}  // namespace gs::optim
